//! Series CSV (statsforecast long format) through the reader and the calendar
//! arithmetic that follows (future dates, calendar features).
#![no_main]

use hospsim_formats::series::{Fill, Layout, calendar, future, read_future, read_layout};
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
    // The high bits pick an export layout: `;` with decimal commas, and a
    // day-first date pattern.
    let layout = Layout {
        decimal_comma: flags & 16 != 0,
        delimiter: (flags & 16 != 0).then_some(b';'),
        date_format: (flags & 32 != 0).then(|| "%d/%m/%Y %H:%M".to_string()),
        // A regressor column `x`, read from the series and as a future file.
        regressors: if flags & 64 != 0 { vec!["x".into()] } else { Vec::new() },
        ..Layout::statsforecast("y")
    };
    let ahead = read_future(text, "future.csv", &layout, zone).ok();
    let Ok(d) = read_layout(text, "fuzz.csv", &layout, fill, flags & 4 != 0, zone) else {
        return;
    };
    for s in d.series.iter().take(4) {
        let h = 1 + (flags as usize >> 6);
        let _ = future(s, d.frequency, h);
        let _ = calendar(s, d.frequency, h, &[]);
        if let Some(a) = &ahead {
            let _ = a.rows_for(s, d.frequency, h);
        }
    }
});
