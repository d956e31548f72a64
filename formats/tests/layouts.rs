//! Series files as hospitals export them: other column names, one series
//! without an id column, dates in local forms, Excel's BOM, `;` and decimal
//! commas; and every rejected row still named with its line.

use hospsim_formats::series::{Fill, Layout, read_layout};

fn layout() -> Layout {
    Layout::statsforecast("y")
}

fn read(text: &str, layout: &Layout) -> Result<hospsim_formats::series::Dataset, String> {
    read_layout(
        text.as_bytes(),
        "export.csv",
        layout,
        Fill::None,
        false,
        None,
    )
    .map_err(|e| e.to_string())
}

#[test]
fn named_columns_and_a_file_of_one_series() {
    let l = Layout {
        id: Some("site".into()),
        time: "date".into(),
        value: "arrivals".into(),
        ..layout()
    };
    let d = read(
        "site,date,arrivals,temp\nnorth,2025-01-01,10,3\nnorth,2025-01-02,12,4\nsouth,2025-01-01,7,3\nsouth,2025-01-02,8,4\n",
        &l,
    )
    .unwrap();
    assert_eq!(d.series.len(), 2);
    assert_eq!(d.series[1].id, "south");
    assert_eq!(d.series[1].y, [7.0, 8.0]);
    // No id column: one series, named after the file.
    let one = Layout {
        time: "date".into(),
        value: "arrivals".into(),
        ..layout()
    };
    let d = read("date,arrivals\n2025-01-01,10\n2025-01-02,12\n", &one).unwrap();
    assert_eq!(d.series.len(), 1);
    assert_eq!(d.series[0].id, "export");
    // An --id that is not there is an error, not a single series.
    let msg = read(
        "date,arrivals\n2025-01-01,10\n",
        &Layout {
            id: Some("ward".into()),
            ..one
        },
    )
    .unwrap_err();
    assert!(
        msg.contains("export.csv:1") && msg.contains("no series column `ward`"),
        "{msg}"
    );
}

#[test]
fn dates_with_slashes_and_patterns() {
    // Year first with slashes needs no pattern.
    let d = read(
        "unique_id,ds,y\na,2023/01/31,1\na,2023/02/28,2\na,2023/03/31,3\n",
        &layout(),
    )
    .unwrap();
    assert_eq!(d.series[0].ds[2].to_string(), "2023-03-31T00:00:00");
    let d = read(
        "unique_id,ds,y\na,2023/01/01 08:00,1\na,2023/01/01 09:00,2\n",
        &layout(),
    )
    .unwrap();
    assert!(d.with_time);
    // Day first is ambiguous (01/02 is 1 February or 2 January): a pattern says which.
    let text = "unique_id,ds,y\na,31/01/2023,1\na,01/02/2023,2\n";
    let msg = read(text, &layout()).unwrap_err();
    assert!(
        msg.contains("export.csv:2") && msg.contains("--date-format"),
        "{msg}"
    );
    let dmy = Layout {
        date_format: Some("%d/%m/%Y".into()),
        ..layout()
    };
    let d = read(text, &dmy).unwrap();
    assert_eq!(d.series[0].ds[1].to_string(), "2023-02-01T00:00:00");
    let mdy = Layout {
        date_format: Some("%m/%d/%Y %H:%M".into()),
        ..layout()
    };
    let d = read(
        "unique_id,ds,y\na,01/31/2023 08:00,1\na,01/31/2023 09:00,2\n",
        &mdy,
    )
    .unwrap();
    assert!(d.with_time);
    assert_eq!(d.series[0].ds[1].to_string(), "2023-01-31T09:00:00");
    let msg = read("unique_id,ds,y\na,2023-01-31,1\n", &dmy).unwrap_err();
    assert!(
        msg.contains("does not match --date-format `%d/%m/%Y`"),
        "{msg}"
    );
}

#[test]
fn excel_exports_with_bom_semicolons_and_decimal_commas() {
    let text = "\u{feff}unique_id;ds;y\r\nward;2025-01-01;12,5\r\nward;2025-01-02;13\r\nward;2025-01-03;x\r\n";
    let excel = Layout {
        decimal_comma: true,
        ..layout()
    };
    // The separator is found from the header; the bad value keeps its line.
    let msg = read(text, &excel).unwrap_err();
    assert!(msg.contains("export.csv:4: y `x` is not a number"), "{msg}");
    let d = read(&text.replace(";x", ";14"), &excel).unwrap();
    assert_eq!(d.series[0].y, [12.5, 13.0, 14.0]);
    // Without --decimal ',' a decimal comma is not silently read as something else.
    let msg = read(&text.replace(";x", ";14"), &layout()).unwrap_err();
    assert!(
        msg.contains("export.csv:2: y `12,5` is not a number"),
        "{msg}"
    );
    // A decimal comma with comma separators cannot be told apart.
    let msg = read(
        "unique_id,ds,y\n",
        &Layout {
            delimiter: Some(b','),
            ..excel
        },
    )
    .unwrap_err();
    assert!(
        msg.contains("decimal comma") && msg.contains("--delimiter"),
        "{msg}"
    );
}
