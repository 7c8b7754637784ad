//! `cargo run -p uniffi-bindgen -- generate --library target/debug/libcs_core.so \
//!     --language kotlin --config uniffi.toml --out-dir …`
fn main() {
    uniffi::uniffi_bindgen_main()
}
