//! CSV and TSV with a header row. The header names the columns, which the
//! field mapping binds to fields once per file; each line is then split on
//! the delimiter with RFC 4180 quoting (`"a,b"`, doubled `""` inside).
//! Hand-written because the split is a few memchr calls per line, with no
//! per-record allocation. A record is one line: a newline inside quotes is
//! not supported, and such a line is rejected as a quoting error.

use super::settings::Fields;
use super::{trim, Escape, Field, Raw, Text};
use crate::tally::Reason;

/// A CSV parser bound to one file's header.
#[derive(Debug)]
pub struct Parser {
    delimiter: u8,
    columns: Vec<Option<Field>>,
}

impl Parser {
    /// Binds the configured field names to the header's columns. The time
    /// column must exist.
    pub fn new(fields: &Fields, header: &[u8]) -> Result<Parser, String> {
        let header = trim(header);
        let delimiter = if memchr::memchr(b'\t', header).is_some() {
            b'\t'
        } else {
            b','
        };
        let mut cells = Vec::new();
        split(header, delimiter, |t| cells.push(t)).map_err(|_| "bad quoting in the header")?;
        let mut scratch = Vec::new();
        let header: Vec<Vec<u8>> = cells
            .iter()
            .map(|cell| trim(cell.decode(&mut scratch)).to_vec())
            .collect();
        // Each field takes the first of its names (`A|B`: A, else B) the
        // header has; a column goes to the first field that names it.
        let mut columns: Vec<Option<Field>> = vec![None; header.len()];
        for (field, names) in Field::ALL.iter().zip(fields.names()) {
            let found = names.split('|').find_map(|name| {
                header
                    .iter()
                    .zip(&columns)
                    .position(|(h, c)| c.is_none() && h == name.as_bytes())
            });
            if let Some(i) = found {
                columns[i] = Some(*field);
            }
        }
        if !columns.contains(&Some(Field::Ts)) {
            return Err(format!(
                "the header has no time column `{}` (map it with --set input.fields.ts=NAME)",
                fields.ts
            ));
        }
        Ok(Parser { delimiter, columns })
    }

    /// Whether a column is bound to `field`.
    pub fn maps(&self, field: Field) -> bool {
        self.columns.contains(&Some(field))
    }

    /// Parses one record.
    pub fn parse<'a>(&self, line: &'a [u8], raw: &mut Raw<'a>) -> Result<(), Reason> {
        let mut col = 0;
        let columns = &self.columns;
        split(line, self.delimiter, |text| {
            if let Some(Some(field)) = columns.get(col) {
                raw.set(*field, text);
            }
            col += 1;
        })?;
        if col != columns.len() {
            return Err(Reason::CsvColumns);
        }
        Ok(())
    }
}

/// The cells of one CSV line as owned strings (for small side files such
/// as the watchlist, not the hot path).
pub fn split_owned(line: &str) -> Result<Vec<String>, Reason> {
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    split(line.trim_end_matches('\r').as_bytes(), b',', |t| {
        out.push(String::from_utf8_lossy(t.decode(&mut scratch)).into_owned())
    })?;
    Ok(out)
}

/// Calls `each` with every cell of `line`.
#[inline]
fn split<'a>(line: &'a [u8], delim: u8, mut each: impl FnMut(Text<'a>)) -> Result<(), Reason> {
    let mut i = 0;
    loop {
        if line.get(i) == Some(&b'"') {
            let start = i + 1;
            let mut j = start;
            let mut doubled = false;
            loop {
                let q = memchr::memchr(b'"', &line[j..]).ok_or(Reason::CsvQuote)? + j;
                if line.get(q + 1) == Some(&b'"') {
                    doubled = true;
                    j = q + 2;
                } else {
                    let escape = if doubled { Escape::Csv } else { Escape::None };
                    each(Text {
                        bytes: &line[start..q],
                        escape,
                    });
                    i = q + 1;
                    break;
                }
            }
            match line.get(i) {
                None => return Ok(()),
                Some(&b) if b == delim => i += 1,
                Some(_) => return Err(Reason::CsvQuote),
            }
        } else {
            match memchr::memchr(delim, &line[i..]) {
                Some(d) => {
                    each(Text::plain(&line[i..i + d]));
                    i += d + 1;
                }
                None => {
                    each(Text::plain(&line[i..]));
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(line: &str) -> Result<Vec<String>, Reason> {
        let mut out = Vec::new();
        let mut scratch = Vec::new();
        split(line.as_bytes(), b',', |t| {
            out.push(String::from_utf8_lossy(t.decode(&mut scratch)).into_owned())
        })?;
        Ok(out)
    }

    #[test]
    fn rfc4180_quoting() {
        assert_eq!(cells("a,b,,c").unwrap(), ["a", "b", "", "c"]);
        assert_eq!(cells(r#""a,b","x""y""#).unwrap(), ["a,b", "x\"y"]);
        assert_eq!(cells(r#""","#).unwrap(), ["", ""]);
        assert_eq!(cells(r#""open"#), Err(Reason::CsvQuote));
        assert_eq!(cells(r#""a"b,c"#), Err(Reason::CsvQuote));
    }

    #[test]
    fn a_field_takes_the_first_of_its_names_the_header_has() {
        let fields = Fields {
            ts: "TIMESTAMP_DERIVED|TIMESTAMP".into(),
            ..Fields::default()
        };
        let p = Parser::new(&fields, b"TIMESTAMP,ip,TIMESTAMP_DERIVED").unwrap();
        assert_eq!(p.columns, [None, Some(Field::Ip), Some(Field::Ts)]);
        let p = Parser::new(&fields, b"TIMESTAMP,ip").unwrap();
        assert_eq!(p.columns, [Some(Field::Ts), Some(Field::Ip)]);
        assert!(Parser::new(&fields, b"ip").is_err());
    }

    #[test]
    fn header_binds_columns() {
        let p = Parser::new(&Fields::default(), b"ip,ts,extra,account\r").unwrap();
        let mut raw = Raw::default();
        p.parse(b"1.2.3.4,5,zzz,alice", &mut raw).unwrap();
        assert_eq!(raw.get(Field::Account).unwrap().bytes, b"alice");
        assert_eq!(raw.get(Field::Ts).unwrap().bytes, b"5");
        assert_eq!(
            p.parse(b"1.2.3.4,5,alice", &mut raw),
            Err(Reason::CsvColumns)
        );
        assert!(Parser::new(&Fields::default(), b"when,who").is_err());
        let tsv = Parser::new(&Fields::default(), b"ts\taccount").unwrap();
        tsv.parse(b"5\tbob", &mut raw).unwrap();
        assert_eq!(raw.get(Field::Account).unwrap().bytes, b"bob");
    }
}
