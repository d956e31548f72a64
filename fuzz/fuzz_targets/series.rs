//! Series CSV (statsforecast long format) through the reader and the calendar
//! arithmetic that follows (future dates, calendar features).
#![no_main]

use hospsim_formats::series::{Fill, calendar, future, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let fill = match flags % 3 {
        0 => Fill::None,
        1 => Fill::Zero,
        _ => Fill::Interpolate,
    };
    let zone = hospsim_sim::timestamp::UTC;
    let zone = (flags & 8 != 0).then_some(&zone);
    let Ok(d) = read(text, "fuzz.csv", "y", fill, flags & 4 != 0, zone) else {
        return;
    };
    for s in d.series.iter().take(4) {
        let h = 1 + (flags as usize >> 3);
        let _ = future(s, d.frequency, h);
        let _ = calendar(s, d.frequency, h, &[]);
    }
});
