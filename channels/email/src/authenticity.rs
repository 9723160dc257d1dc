//! Whether a mail's sender is who the `From` says, read from the `Authentication-Results`
//! (RFC 8601) the receiving provider wrote. Only results under a trusted `authserv-id` count:
//! anyone can write such a header into the mail they send.

use switchboard_channel::Authentication;

use crate::parse::ParsedMail;

/// What the trusted results say of a mail: DMARC first; without a DMARC verdict, a DKIM pass
/// for the `From` domain passes and any `fail` fails; no trusted result at all is `Unknown`.
pub fn authentication(mail: &ParsedMail, trusted: &[String]) -> Authentication {
    let from_domain = mail.from.address.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    let mut verdict = Authentication::Unknown;
    for header in mail.headers.all("authentication-results") {
        let mut parts = header.split(';').map(str::trim);
        let Some(authserv) = parts.next().and_then(|id| id.split_whitespace().next()) else { continue };
        if !trusted.iter().any(|t| t.eq_ignore_ascii_case(authserv)) {
            continue;
        }
        let results: Vec<(&str, &str, &str)> = parts.filter_map(method_result).collect();
        if let Some((_, result, _)) = results.iter().find(|(method, ..)| *method == "dmarc") {
            return match *result {
                "pass" => Authentication::Pass,
                "fail" => Authentication::Fail(format!("DMARC {result} for {from_domain}")),
                _ => Authentication::Unknown,
            };
        }
        let dkim_aligned = results.iter().any(|(method, result, rest)| {
            *method == "dkim"
                && *result == "pass"
                && property(rest, "header.d").is_some_and(|d| aligned(d, from_domain))
        });
        if dkim_aligned {
            verdict = Authentication::Pass;
        } else if let Some((method, result, _)) = results.iter().find(|(_, result, _)| *result == "fail") {
            verdict = Authentication::Fail(format!("{} {result}", method.to_uppercase()));
        }
    }
    verdict
}

/// `dkim=pass header.d=example.com` as its method, result and the rest.
fn method_result(part: &str) -> Option<(&str, &str, &str)> {
    let (method, rest) = part.split_once('=')?;
    let rest = rest.trim_start();
    let end = rest.find(|c: char| c.is_whitespace() || c == '(').unwrap_or(rest.len());
    Some((method.trim(), &rest[..end], &rest[end..]))
}

fn property<'a>(rest: &'a str, name: &str) -> Option<&'a str> {
    rest.split_whitespace().find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
}

/// Relaxed alignment: the signing domain is the `From` domain or a parent of it.
fn aligned(signing: &str, from: &str) -> bool {
    let (signing, from) = (signing.to_ascii_lowercase(), from.to_ascii_lowercase());
    from == signing || from.ends_with(&format!(".{signing}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{ParseLimits, parse_mail};

    fn mail(results: &[&str]) -> ParsedMail {
        let mut raw = String::new();
        for r in results {
            raw.push_str(&format!("Authentication-Results: {r}\r\n"));
        }
        raw.push_str("From: Li Wei <li.wei@example.cn>\r\nTo: support@wallet.example\r\nSubject: hi\r\n");
        raw.push_str("Message-ID: <a@example.cn>\r\n\r\nhello\r\n");
        parse_mail(raw.as_bytes(), &ParseLimits::new()).unwrap()
    }

    fn trusted() -> Vec<String> {
        vec!["mx.wallet.example".into()]
    }

    #[test]
    fn a_trusted_dmarc_pass_passes_and_a_fail_fails() {
        let pass = mail(&["mx.wallet.example; dkim=pass header.d=example.cn; dmarc=pass header.from=example.cn"]);
        assert_eq!(authentication(&pass, &trusted()), Authentication::Pass);
        let fail = mail(&["mx.wallet.example; spf=fail smtp.mailfrom=evil.test; dmarc=fail (p=reject)"]);
        assert_eq!(authentication(&fail, &trusted()), Authentication::Fail("DMARC fail for example.cn".into()));
    }

    #[test]
    fn results_from_a_server_not_trusted_are_ignored() {
        let forged = mail(&["mx.evil.test; dmarc=pass header.from=example.cn"]);
        assert_eq!(authentication(&forged, &trusted()), Authentication::Unknown);
        assert_eq!(authentication(&mail(&[]), &trusted()), Authentication::Unknown);
    }

    #[test]
    fn without_dmarc_an_aligned_dkim_pass_passes_and_a_failure_fails() {
        let signed = mail(&["mx.wallet.example; dkim=pass (good signature) header.d=example.cn; spf=none"]);
        assert_eq!(authentication(&signed, &trusted()), Authentication::Pass);
        let other = mail(&["mx.wallet.example; dkim=pass header.d=bulk.test; spf=fail"]);
        assert_eq!(authentication(&other, &trusted()), Authentication::Fail("SPF fail".into()));
    }
}
