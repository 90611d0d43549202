#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sideline_fuzz::stream_record(data));
