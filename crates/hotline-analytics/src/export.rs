//! Open data: the read model as files a city can publish or take to DuckDB, Spark or Trino when its
//! questions outgrow one machine. One row per order, the columns named as the query model's
//! dimensions; no names, phones, addresses or free text; the place generalised to the street.
//! Files are one per local day, in a directory per month (`received_month=2025-07/2025-07-31.parquet`),
//! so a daily export adds a file and a full export rewrites them all.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use hotline_domain::UnitClass;
use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;

use crate::catalog::Catalog;
use crate::codes::{self, code, status};
use crate::dict::language_of;
use crate::engine::{date_of, time_at};
use crate::store::{Block, Col, FactStore, Need, Row};
use crate::{AnalyticsError, Result};

/// The export's columns, in file order.
pub const COLUMNS: [&str; 28] = [
    "received_at",
    "received_date",
    "district",
    "street",
    "category_l1",
    "category_l2",
    "category_l3",
    "nature",
    "channel",
    "age_group",
    "language",
    "urgency",
    "unit",
    "state",
    "repeat_caller",
    "duplicate",
    "disputed",
    "dispatch_hours",
    "contact_hours",
    "reply_hours",
    "close_hours",
    "overdue",
    "evaluated",
    "contacted",
    "resolution",
    "satisfaction",
    "excluded",
    "reopen_count",
];

const PARQUET_SCHEMA: &str = "message orders {
  REQUIRED INT64 received_at (TIMESTAMP(MILLIS,false));
  REQUIRED INT32 received_date (DATE);
  OPTIONAL BYTE_ARRAY district (STRING);
  OPTIONAL BYTE_ARRAY street (STRING);
  OPTIONAL BYTE_ARRAY category_l1 (STRING);
  OPTIONAL BYTE_ARRAY category_l2 (STRING);
  OPTIONAL BYTE_ARRAY category_l3 (STRING);
  OPTIONAL BYTE_ARRAY nature (STRING);
  OPTIONAL BYTE_ARRAY channel (STRING);
  OPTIONAL BYTE_ARRAY age_group (STRING);
  OPTIONAL BYTE_ARRAY language (STRING);
  OPTIONAL BYTE_ARRAY urgency (STRING);
  OPTIONAL BYTE_ARRAY unit (STRING);
  OPTIONAL BYTE_ARRAY state (STRING);
  REQUIRED BOOLEAN repeat_caller;
  REQUIRED BOOLEAN duplicate;
  REQUIRED BOOLEAN disputed;
  OPTIONAL DOUBLE dispatch_hours;
  OPTIONAL DOUBLE contact_hours;
  OPTIONAL DOUBLE reply_hours;
  OPTIONAL DOUBLE close_hours;
  REQUIRED BOOLEAN overdue;
  REQUIRED BOOLEAN evaluated;
  OPTIONAL BOOLEAN contacted;
  OPTIONAL BYTE_ARRAY resolution (STRING);
  OPTIONAL BYTE_ARRAY satisfaction (STRING);
  REQUIRED BOOLEAN excluded;
  REQUIRED INT32 reopen_count;
}";

/// One order as exported.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    /// Local time of receipt.
    pub received_at: NaiveDateTime,
    pub text: [Option<String>; 12],
    pub flags: [bool; 3],
    pub hours: [Option<f64>; 4],
    pub overdue: bool,
    pub evaluated: bool,
    pub contacted: Option<bool>,
    pub resolution: Option<&'static str>,
    pub satisfaction: Option<&'static str>,
    pub excluded: bool,
    pub reopen_count: i32,
}

/// File format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }
}

/// Labels of the dictionaries' entries, resolved once per export.
struct Labels {
    district: Vec<Option<String>>,
    street: Vec<Option<String>>,
    category: Vec<Option<String>>,
    unit: Vec<Option<String>>,
    language: Vec<String>,
}

fn labels(store: &FactStore, catalog: &Catalog) -> Labels {
    let d = store.dicts();
    let place_name = |e: &str, class: UnitClass| {
        e.parse::<i64>().ok().and_then(|id| catalog.ancestor(id, class)).and_then(|u| catalog.unit(u)).map(|u| u.name.clone())
    };
    let with_none = |v: Vec<Option<String>>| std::iter::once(None).chain(v).collect::<Vec<_>>();
    Labels {
        district: with_none(d.place.iter().map(|(_, e)| place_name(e, UnitClass::District)).collect()),
        street: with_none(d.place.iter().map(|(_, e)| place_name(e, UnitClass::Street)).collect()),
        category: with_none(d.category.iter().map(|(_, e)| Some(e.to_owned())).collect()),
        unit: with_none(
            d.handler
                .iter()
                .map(|(_, e)| {
                    e.strip_prefix('u').and_then(|id| id.parse::<i64>().ok()).and_then(|id| catalog.unit(id)).map(|u| u.code.clone())
                })
                .collect(),
        ),
        language: (0..8u16).map(|s| language_of(&d.language, s)).collect(),
    }
}

fn level(path: Option<&String>, n: usize) -> Option<String> {
    let path = path?;
    let parts: Vec<&str> = path.split('/').collect();
    (parts.len() >= n).then(|| parts[..n].join("/"))
}

fn decode(row: &Row, l: &Labels, offset_minutes: i32, now: u32) -> ExportRow {
    let at = |v: &Vec<Option<String>>, i: u16| v.get(usize::from(i)).cloned().flatten();
    let category = at(&l.category, row.category);
    let c = row.codes;
    let s = row.status;
    let state = codes::state_of(status::STATE.get(s));
    let open = state.is_some_and(|st| !st.is_terminal());
    let late = (status::LATE_DISPATCH.get(s) | status::LATE_CONTACT.get(s) | status::LATE_REPLY.get(s)) == 1;
    let past_due = open && row.end != 0 && now > row.time + (u32::from(row.end) - 1) * 10;
    let resolution = codes::resolution_of(status::RESOLUTION.get(s));
    let local = codes::moment_of(row.time).naive_utc() + Duration::minutes(i64::from(offset_minutes));
    ExportRow {
        received_at: local,
        text: [
            at(&l.district, row.place),
            at(&l.street, row.place),
            level(category.as_ref(), 1),
            level(category.as_ref(), 2),
            level(category.as_ref(), 3),
            codes::nature_of(code::NATURE.get(c)).map(|n| n.code().to_owned()),
            codes::channel_of(code::CHANNEL.get(c)).map(|n| n.code().to_owned()),
            codes::age_of(code::AGE.get(c)).map(|n| n.code().to_owned()),
            l.language.get(usize::from(code::LANGUAGE.get(c))).cloned(),
            codes::urgency_of(code::URGENCY.get(c)).map(|n| n.code().to_owned()),
            at(&l.unit, row.handler),
            state.map(|s| s.code().to_owned()),
        ],
        flags: [code::REPEAT.get(c) == 1, code::DUPLICATE.get(c) == 1, code::DISPUTED.get(c) == 1],
        hours: [
            codes::log_span_hours(row.dispatch),
            codes::log_span_hours(row.contact),
            codes::tenths_hours(row.reply),
            if open { None } else { codes::tenths_hours(row.end) },
        ],
        overdue: late || past_due,
        evaluated: resolution.is_some(),
        contacted: resolution.map(|_| status::CONTACTED.get(s) == 1),
        resolution: resolution.map(hotline_domain::Resolution::code),
        satisfaction: codes::satisfaction_of(status::SATISFACTION.get(s)).map(hotline_domain::Satisfaction::code),
        excluded: status::EXCLUDED.get(s) == 1,
        reopen_count: i32::from(status::REOPENS.get(s)),
    }
}

/// The facts received on one local day, in order of order id.
fn rows_of_day(store: &FactStore, l: &Labels, day: NaiveDate, offset: i32, now: u32) -> Result<Vec<ExportRow>> {
    let t0 = time_at(day, offset);
    let t1 = time_at(day + Duration::days(1), offset);
    let need = Col::ALL.iter().fold(Need::default(), |n, c| n.with(*c));
    let parts = store.scan(need, (t0, t1), Vec::new, |acc: &mut Vec<(u64, Row)>, b: &Block| {
        for i in 0..b.len {
            let t = b.time[i];
            if t != 0 && t >= t0 && t < t1 {
                acc.push((b.first_row + i as u64, b.row(i)));
            }
        }
    })?;
    let mut all: Vec<(u64, Row)> = parts.concat();
    all.sort_unstable_by_key(|r| r.0);
    Ok(all.iter().map(|(_, r)| decode(r, l, offset, now)).collect())
}

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exported {
    pub files: Vec<PathBuf>,
    pub rows: u64,
}

/// Writes the orders received on local days `[from, to)` (from the first to the last day held
/// when `None`) under `dir`, one file per day, replacing files of the same days; a day at a time,
/// so memory stays that of one day. `now` decides which open orders are overdue.
pub fn export(
    store: &FactStore,
    catalog: &Catalog,
    dir: &Path,
    format: Format,
    (from, to): (Option<NaiveDate>, Option<NaiveDate>),
    offset_minutes: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Exported> {
    let mut done = Exported::default();
    let Some((lo, hi)) = store.time_span() else { return Ok(done) };
    let first = from.unwrap_or_else(|| date_of(lo, offset_minutes)).max(date_of(lo, offset_minutes));
    let end = to.unwrap_or_else(|| date_of(hi, offset_minutes) + Duration::days(1)).min(date_of(hi, offset_minutes) + Duration::days(1));
    let l = labels(store, catalog);
    let now = codes::time_of(now);
    let mut day = first;
    while day < end {
        let rows = rows_of_day(store, &l, day, offset_minutes, now)?;
        if !rows.is_empty() {
            let month_dir = dir.join(format!("received_month={}", day.format("%Y-%m")));
            std::fs::create_dir_all(&month_dir).map_err(|e| AnalyticsError::io(&month_dir, e))?;
            let path = month_dir.join(format!("{}.{}", day.format("%Y-%m-%d"), format.extension()));
            let tmp = path.with_extension("tmp");
            match format {
                Format::Parquet => write_parquet(&tmp, &rows)?,
                Format::Csv => write_csv(&tmp, &rows)?,
            }
            std::fs::rename(&tmp, &path).map_err(|e| AnalyticsError::io(&path, e))?;
            done.rows += rows.len() as u64;
            done.files.push(path);
        }
        day += Duration::days(1);
    }
    Ok(done)
}

fn csv_field(v: Option<&str>) -> String {
    match v {
        None => String::new(),
        Some(s) if s.contains([',', '"', '\n']) => format!("\"{}\"", s.replace('"', "\"\"")),
        Some(s) => s.to_owned(),
    }
}

fn write_csv(path: &Path, rows: &[ExportRow]) -> Result<()> {
    let io = |e| AnalyticsError::io(path, e);
    let mut w = BufWriter::new(File::create(path).map_err(io)?);
    writeln!(w, "{}", COLUMNS.join(",")).map_err(io)?;
    let num = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_default();
    for r in rows {
        let mut fields = vec![r.received_at.format("%Y-%m-%d %H:%M:%S").to_string(), r.received_at.date().format("%Y-%m-%d").to_string()];
        fields.extend(r.text.iter().map(|t| csv_field(t.as_deref())));
        fields.extend(r.flags.iter().map(ToString::to_string));
        fields.extend(r.hours.iter().map(|h| num(*h)));
        fields.push(r.overdue.to_string());
        fields.push(r.evaluated.to_string());
        fields.push(r.contacted.map(|c| c.to_string()).unwrap_or_default());
        fields.push(r.resolution.unwrap_or_default().to_owned());
        fields.push(r.satisfaction.unwrap_or_default().to_owned());
        fields.push(r.excluded.to_string());
        fields.push(r.reopen_count.to_string());
        writeln!(w, "{}", fields.join(",")).map_err(io)?;
    }
    w.flush().map_err(io)?;
    w.get_ref().sync_all().map_err(io)
}

fn pq(path: &Path, e: parquet::errors::ParquetError) -> AnalyticsError {
    AnalyticsError::Meta(format!("{}: {e}", path.display()))
}

/// A column's values with definition levels (1: present, 0: null).
fn optional<T: Clone>(values: impl Iterator<Item = Option<T>>) -> (Vec<T>, Vec<i16>) {
    let mut out = Vec::new();
    let mut defs = Vec::new();
    for v in values {
        match v {
            Some(x) => {
                out.push(x);
                defs.push(1);
            }
            None => defs.push(0),
        }
    }
    (out, defs)
}

fn write_parquet(path: &Path, rows: &[ExportRow]) -> Result<()> {
    let schema = Arc::new(parquet::schema::parser::parse_message_type(PARQUET_SCHEMA).map_err(|e| pq(path, e))?);
    let props = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
    let file = File::create(path).map_err(|e| AnalyticsError::io(path, e))?;
    let mut writer = SerializedFileWriter::new(file, schema, props).map_err(|e| pq(path, e))?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    for chunk in rows.chunks(100_000) {
        let mut group = writer.next_row_group().map_err(|e| pq(path, e))?;
        let mut index = 0usize;
        while let Some(mut col) = group.next_column().map_err(|e| pq(path, e))? {
            let name = COLUMNS[index];
            match index {
                0 => {
                    let v: Vec<i64> = chunk.iter().map(|r| r.received_at.and_utc().timestamp_millis()).collect();
                    col.typed::<Int64Type>().write_batch(&v, None, None).map_err(|e| pq(path, e))?;
                }
                1 => {
                    let v: Vec<i32> = chunk.iter().map(|r| i32::try_from((r.received_at.date() - epoch).num_days()).unwrap_or(0)).collect();
                    col.typed::<Int32Type>().write_batch(&v, None, None).map_err(|e| pq(path, e))?;
                }
                2..=13 => {
                    let (v, d) = optional(chunk.iter().map(|r| r.text[index - 2].as_deref().map(ByteArray::from)));
                    col.typed::<ByteArrayType>().write_batch(&v, Some(&d), None).map_err(|e| pq(path, e))?;
                }
                14..=16 => {
                    let v: Vec<bool> = chunk.iter().map(|r| r.flags[index - 14]).collect();
                    col.typed::<BoolType>().write_batch(&v, None, None).map_err(|e| pq(path, e))?;
                }
                17..=20 => {
                    let (v, d) = optional(chunk.iter().map(|r| r.hours[index - 17]));
                    col.typed::<DoubleType>().write_batch(&v, Some(&d), None).map_err(|e| pq(path, e))?;
                }
                21 | 22 | 26 => {
                    let v: Vec<bool> = chunk
                        .iter()
                        .map(|r| {
                            if index == 21 {
                                r.overdue
                            } else if index == 22 {
                                r.evaluated
                            } else {
                                r.excluded
                            }
                        })
                        .collect();
                    col.typed::<BoolType>().write_batch(&v, None, None).map_err(|e| pq(path, e))?;
                }
                23 => {
                    let (v, d) = optional(chunk.iter().map(|r| r.contacted));
                    col.typed::<BoolType>().write_batch(&v, Some(&d), None).map_err(|e| pq(path, e))?;
                }
                24 | 25 => {
                    let (v, d) =
                        optional(chunk.iter().map(|r| if index == 24 { r.resolution } else { r.satisfaction }.map(ByteArray::from)));
                    col.typed::<ByteArrayType>().write_batch(&v, Some(&d), None).map_err(|e| pq(path, e))?;
                }
                _ => {
                    let v: Vec<i32> = chunk.iter().map(|r| r.reopen_count).collect();
                    col.typed::<Int32Type>().write_batch(&v, None, None).map_err(|e| pq(path, e))?;
                }
            }
            col.close().map_err(|e| pq(path, e))?;
            debug_assert!(!name.is_empty());
            index += 1;
        }
        group.close().map_err(|e| pq(path, e))?;
    }
    writer.close().map_err(|e| pq(path, e))?;
    Ok(())
}
