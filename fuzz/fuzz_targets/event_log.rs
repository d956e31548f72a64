//! Event-log and Synthea CSV through the reader, strict and not, with gaps
//! allowed or not: every input is read or refused with a line and a reason.
#![no_main]

use hospsim_formats::log::{Known, ReadOptions, read_log};
use libfuzzer_sys::fuzz_target;

fn london() -> hospsim_sim::timestamp::TimeZone {
    hospsim_sim::timestamp::time_zone("Europe/London").unwrap_or(hospsim_sim::timestamp::UTC)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    // Half the inputs with a zone, so that offsets are converted, not refused.
    let opts = ReadOptions {
        strict: flags & 1 != 0,
        allow_gaps: flags & 2 != 0,
        time_zone: (flags & 4 != 0).then(london),
    };
    let _ = read_log(text, "fuzz.csv", &Known::default(), opts);
});
