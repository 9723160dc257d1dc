//! The web pages in `web/dist` are embedded into the binary (`src/web/assets.rs`); the
//! compiler does not know that, so it is told to rebuild when they change.

fn main() {
    println!("cargo:rerun-if-changed=web/dist");
}
