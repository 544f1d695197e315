#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| gapmap_fuzz::run(gapmap_fuzz::Target::Vzd, data));
