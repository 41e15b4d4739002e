//! The policy parser and compiler on arbitrary files: any bytes as a tenant policy file.
//! Loading must end in a policy or a `PolicyError` naming file, line and field; never a
//! panic. A policy that compiles must then check a post without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: riserbo_fuzz::init(), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match riserbo::policy::load_str(text, "fuzz.toml") {
        Ok(policy) => {
            let context = riserbo::engine::context::PostContext::default();
            let _ = policy.check("Oggi la sig.ra Lucia Fontana ha fatto l'impianto", &context, &riserbo_fuzz::LIMITS);
        }
        Err(error) => {
            let message = error.to_string();
            assert!(message.starts_with("fuzz.toml"), "a load error names the file: {message}");
        }
    }
});
