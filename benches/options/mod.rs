//! How every benchmark takes its options: `--name VALUE` (or `--name=VALUE`) after `--`, or
//! the environment variable `PREFIX_NAME`, the command line winning.

use std::collections::BTreeMap;

/// Every option given, by name (`reply-every`), or `Err` with the help text to print: for
/// `--help`, or a malformed command line.
pub fn given(env_prefix: &str, help: &str) -> Result<BTreeMap<String, String>, String> {
    let mut values: BTreeMap<String, String> = std::env::vars()
        .filter_map(|(k, v)| k.strip_prefix(env_prefix).map(|n| (n.to_lowercase().replace('_', "-"), v)))
        .collect();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => continue,
            "--help" | "-h" => return Err(help.into()),
            _ => {}
        }
        let Some(name) = arg.strip_prefix("--") else {
            return Err(format!("unexpected argument {arg:?}\n{help}"));
        };
        let (name, value) = match name.split_once('=') {
            Some((n, v)) => (n.to_owned(), v.to_owned()),
            None => (name.to_owned(), args.next().ok_or_else(|| format!("--{name} needs a value"))?),
        };
        values.insert(name, value);
    }
    Ok(values)
}

/// The options, or the process ends with the message (the help, or what is wrong) and exit
/// code 2.
pub fn or_exit<T>(parsed: Result<T, String>) -> T {
    parsed.unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    })
}
