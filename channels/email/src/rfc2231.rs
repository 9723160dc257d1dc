//! RFC 2231 parameter values put back together. A long file name is split into continuations
//! (`filename*0*=utf-8''%E8%BD; filename*1*=%AC…`), and the split may fall inside a character,
//! since the standard joins the bytes before decoding them. mail-parser decodes each piece on
//! its own, which breaks such names; this reads them again from the raw header.

/// The value of parameter `name` (`filename`, `name`) in a raw `Content-Disposition` or
/// `Content-Type` value, with its RFC 2231 pieces joined and decoded from their charset.
/// `None` when the parameter is not in RFC 2231 form.
pub(crate) fn parameter(raw_value: &str, name: &str) -> Option<String> {
    let mut pieces: Vec<(usize, bool, &str)> = Vec::new();
    for param in split_params(raw_value) {
        let Some((key, value)) = param.split_once('=') else { continue };
        let key = key.trim();
        let Some(rest) = key.get(name.len()..).filter(|_| key[..name.len()].eq_ignore_ascii_case(name)) else {
            continue;
        };
        // `name*` (one encoded piece), `name*N` (plain piece N), `name*N*` (encoded piece N).
        let Some(rest) = rest.strip_prefix('*') else { continue };
        let (index, encoded) = match rest.strip_suffix('*') {
            Some(index) => (index, true),
            None if rest.is_empty() => ("", true),
            None => (rest, false),
        };
        let index = if index.is_empty() { 0 } else { index.parse().ok()? };
        pieces.push((index, encoded, value.trim().trim_matches('"')));
    }
    if pieces.is_empty() {
        return None;
    }
    pieces.sort_by_key(|(index, _, _)| *index);
    let mut charset = None;
    let mut bytes = Vec::new();
    for (n, (_, encoded, value)) in pieces.iter().enumerate() {
        let mut value = *value;
        if n == 0 && *encoded {
            // charset'language'value
            let mut parts = value.splitn(3, '\'');
            if let (Some(cs), Some(_lang), Some(rest)) = (parts.next(), parts.next(), parts.next()) {
                charset = encoding_rs::Encoding::for_label(cs.trim().as_bytes());
                value = rest;
            }
        }
        if *encoded {
            bytes.extend(percent_decode(value));
        } else {
            bytes.extend_from_slice(value.as_bytes());
        }
    }
    let (text, _, _) = charset.unwrap_or(encoding_rs::UTF_8).decode(&bytes);
    Some(text.into_owned())
}

/// The `;`-separated parameters of a header value, with quoted strings kept whole.
fn split_params(value: &str) -> Vec<&str> {
    let mut params = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => {
                params.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    params.push(&value[start..]);
    params
}

fn percent_decode(value: &str) -> Vec<u8> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_split_inside_a_character_are_joined_first() {
        // 账 is E8 B4 A6: the split falls after its first byte.
        let raw = "attachment;\r\n\tfilename*0*=utf-8''%E5%AF%B9%E8;\r\n\tfilename*1*=%B4%A6%E5%8D%95.pdf";
        assert_eq!(parameter(raw, "filename").as_deref(), Some("对账单.pdf"));
    }

    #[test]
    fn charsets_plain_pieces_and_quotes_are_handled() {
        assert_eq!(parameter("attachment; filename*=gbk''%CD%CB%BF%EE.pdf", "filename").as_deref(), Some("退款.pdf"));
        let raw = "attachment; filename*0=\"monthly \"; filename*1*=%E6%8A%A5%E5%91%8A; filename*2=\".txt\"";
        assert_eq!(parameter(raw, "filename").as_deref(), Some("monthly 报告.txt"));
        assert_eq!(parameter("image/png; x-unix-mode=0644; name*=utf-8''a%2Fb", "name").as_deref(), Some("a/b"));
        assert_eq!(parameter("attachment; filename=\"plain.pdf\"", "filename"), None);
        assert_eq!(parameter("attachment; filename*x*=junk", "filename"), None);
    }
}
