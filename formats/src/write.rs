//! The CSV writer behind every file hospsim writes: RFC 4180 quoting by the
//! `csv` crate (a class named `Smith, J "Jr"` stays one field), `\n` line
//! ends, and one short form for numbers, so a spreadsheet, pandas and R read
//! every result file the same way.

use std::fmt::{self, Display, Write as _};
use std::io;

/// A CSV file being written, one field at a time.
///
/// ```
/// use hospsim_formats::write::CsvWriter;
/// let mut w = CsvWriter::in_memory();
/// w.row(["class", "mean"]).unwrap();
/// w.text("Smith, J").unwrap();
/// w.num(1.0 / 3.0).unwrap();
/// w.end().unwrap();
/// assert_eq!(w.into_bytes().unwrap(), b"class,mean\n\"Smith, J\",0.333333\n");
/// ```
pub struct CsvWriter<W: io::Write> {
    inner: csv::Writer<W>,
    scratch: String,
}

impl<W: io::Write> CsvWriter<W> {
    /// Writes to `out` (buffered: call [`CsvWriter::finish`] at the end).
    pub fn new(out: W) -> Self {
        CsvWriter {
            inner: csv::WriterBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_writer(out),
            scratch: String::new(),
        }
    }

    /// One text field, quoted only when it must be.
    pub fn text(&mut self, field: &str) -> io::Result<()> {
        self.inner.write_field(field).map_err(io::Error::from)
    }

    /// One field from anything that displays (an integer, a date, a name).
    pub fn display(&mut self, field: impl Display) -> io::Result<()> {
        self.scratch.clear();
        let _ = write!(self.scratch, "{field}");
        self.inner
            .write_field(&self.scratch)
            .map_err(io::Error::from)
    }

    /// One number in the short form of [`Num`]; empty when not finite.
    pub fn num(&mut self, v: f64) -> io::Result<()> {
        self.scratch.clear();
        Num(v).push_to(&mut self.scratch);
        self.inner
            .write_field(&self.scratch)
            .map_err(io::Error::from)
    }

    /// A number that may be missing: empty when `None` or not finite.
    pub fn opt_num(&mut self, v: Option<f64>) -> io::Result<()> {
        self.num(v.unwrap_or(f64::NAN))
    }

    /// An empty field.
    pub fn empty(&mut self) -> io::Result<()> {
        self.inner.write_field("").map_err(io::Error::from)
    }

    /// Ends the current row.
    pub fn end(&mut self) -> io::Result<()> {
        self.inner
            .write_record(None::<&[u8]>)
            .map_err(io::Error::from)
    }

    /// A whole row of text fields (a header, most often).
    pub fn row<I, T>(&mut self, fields: I) -> io::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        for f in fields {
            self.text(f.as_ref())?;
        }
        self.end()
    }

    /// A whole row of mixed fields: text, numbers (as [`Num`]), counts.
    ///
    /// ```
    /// use hospsim_formats::write::CsvWriter;
    /// let mut w = CsvWriter::in_memory();
    /// w.record(&[&"icu", &3_usize, &0.25, &None::<f64>]).unwrap();
    /// assert_eq!(w.into_bytes().unwrap(), b"icu,3,0.25,\n");
    /// ```
    pub fn record(&mut self, fields: &[&dyn Field]) -> io::Result<()> {
        for f in fields {
            self.scratch.clear();
            f.render(&mut self.scratch);
            self.inner
                .write_field(&self.scratch)
                .map_err(io::Error::from)?;
        }
        self.end()
    }

    /// Flushes what is buffered and gives the destination back.
    pub fn finish(self) -> io::Result<W> {
        self.inner
            .into_inner()
            .map_err(|e| io::Error::other(e.error().to_string()))
    }
}

impl CsvWriter<Vec<u8>> {
    /// A writer that collects the file in memory.
    pub fn in_memory() -> Self {
        CsvWriter::new(Vec::new())
    }

    /// The bytes written.
    pub fn into_bytes(self) -> io::Result<Vec<u8>> {
        self.finish()
    }
}

/// A number as the result files write it: empty when not finite, at most six
/// decimals, no exponent and no trailing zeros (`2`, `0.5`, `1234.567891`).
/// Six decimals are a millionth of a minute or a patient, finer than any
/// figure a hospital reads, and they keep files diffable between runs.
#[derive(Clone, Copy, Debug)]
pub struct Num(pub f64);

/// What a [`Num`] prints as.
enum NumText {
    Empty,
    Whole(i64),
    Rounded(f64),
}

impl Num {
    fn text(self) -> NumText {
        let v = self.0;
        if !v.is_finite() {
            NumText::Empty
        } else if v == v.trunc() && v.abs() < 1e15 {
            // -0 prints as 0.
            NumText::Whole(v as i64)
        } else {
            let r = (v * 1e6).round() / 1e6;
            if r == 0.0 {
                NumText::Whole(0)
            } else {
                NumText::Rounded(r)
            }
        }
    }

    /// Appends the number's text to `out`. Whole numbers, most of what a
    /// result file holds (counts, whole minutes), skip the formatting
    /// machinery: a time series has millions of them.
    pub fn push_to(self, out: &mut String) {
        match self.text() {
            NumText::Empty => {}
            NumText::Whole(i) => out.push_str(itoa::Buffer::new().format(i)),
            NumText::Rounded(r) => {
                let _ = write!(out, "{r}");
            }
        }
    }
}

impl Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text() {
            NumText::Empty => Ok(()),
            NumText::Whole(i) => f.write_str(itoa::Buffer::new().format(i)),
            NumText::Rounded(r) => write!(f, "{r}"),
        }
    }
}

/// A probability or p-value in six significant digits, without exponent:
/// a 1-in-100,000 tail or a p-value of 1e-30 must not round to 0 as
/// [`Num`]'s six decimals would. Empty when not finite.
#[derive(Clone, Copy, Debug)]
pub struct Significant(pub f64);

impl Display for Significant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.is_finite() {
            return Ok(());
        }
        match format!("{:.5e}", self.0).parse::<f64>() {
            Ok(r) => write!(f, "{r}"),
            Err(_) => Ok(()),
        }
    }
}

impl Field for Significant {
    fn render(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

/// A value that can be one CSV field.
pub trait Field {
    /// Appends the field's text, unquoted (the writer quotes it if needed).
    fn render(&self, out: &mut String);
}

impl Field for str {
    fn render(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Field for String {
    fn render(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Field for f64 {
    fn render(&self, out: &mut String) {
        Num(*self).push_to(out);
    }
}

impl Field for Option<f64> {
    fn render(&self, out: &mut String) {
        if let Some(v) = self {
            v.render(out);
        }
    }
}

impl Field for Num {
    fn render(&self, out: &mut String) {
        self.push_to(out);
    }
}

impl<T: Field + ?Sized> Field for &T {
    fn render(&self, out: &mut String) {
        (**self).render(out);
    }
}

macro_rules! integer_fields {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn render(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
integer_fields!(u8, u16, u32, u64, usize, i32, i64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_keep_six_significant_digits() {
        let s = |v: f64| Significant(v).to_string();
        assert_eq!(s(0.0214684123), "0.0214684");
        assert_eq!(s(1.5e-9), "0.0000000015");
        assert_eq!(s(1.0), "1");
        assert_eq!(s(f64::NAN), "");
    }

    #[test]
    fn numbers_are_short_and_never_negative_zero() {
        let s = |v: f64| Num(v).to_string();
        assert_eq!(s(2.0), "2");
        assert_eq!(s(-0.0), "0");
        assert_eq!(s(-1e-9), "0");
        assert_eq!(s(0.5), "0.5");
        assert_eq!(s(1.0 / 3.0), "0.333333");
        assert_eq!(s(1e20), "100000000000000000000");
        assert_eq!(s(f64::NAN), "");
        assert_eq!(s(f64::INFINITY), "");
    }

    #[test]
    fn text_with_commas_quotes_and_newlines_stays_one_field() {
        let mut w = CsvWriter::in_memory();
        w.row(["a,b", "say \"hi\"", "two\nlines", "plain"]).unwrap();
        let bytes = w.into_bytes().unwrap();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(
            rec.iter().collect::<Vec<_>>(),
            ["a,b", "say \"hi\"", "two\nlines", "plain"]
        );
    }

    proptest::proptest! {
        /// The fast path writes what the formatting machinery would: whole
        /// numbers as integers, the rest rounded to six decimals.
        #[test]
        fn the_fast_path_prints_what_display_would(
            v in proptest::num::f64::ANY,
            whole in -1_000_000_000_000_000i64..1_000_000_000_000_000,
        ) {
            for v in [v, whole as f64, -(whole as f64) / 7.0] {
                let mut fast = String::new();
                Num(v).push_to(&mut fast);
                let reference = if !v.is_finite() {
                    String::new()
                } else if v == v.trunc() && v.abs() < 1e15 {
                    format!("{}", v as i64)
                } else {
                    let r = (v * 1e6).round() / 1e6;
                    if r == 0.0 { "0".to_string() } else { format!("{r}") }
                };
                proptest::prop_assert_eq!(&fast, &reference);
                proptest::prop_assert_eq!(Num(v).to_string(), reference);
            }
        }
    }
}
