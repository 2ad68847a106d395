//! The fact files: one fixed-width column file per field ([`crate::codes`]), row `n` holding the
//! order whose id is `n + 1`, so an order that moves is rewritten in place and rows need no index.
//! Ids never used (a rolled-back insert) stay zero rows, which every scan skips.
//!
//! Writes go to the files at once (`pwrite`); a checkpoint makes them durable and records, in one
//! atomic rename of `meta.json`, how far the feed was read. After a crash the feed is read again
//! from the checkpoint and every order after it rewritten, so nothing acknowledged is lost and
//! nothing half-written stays. Scans read the columns they need block by block (`pread`, from the
//! page cache once warm: the server's own memory stays small), one block list per core.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use serde::{Deserialize, Serialize};

use crate::dict::Dict;
use crate::{AnalyticsError, Result};

/// Rows per block: the unit of reading and of the time zone map.
pub const BLOCK_ROWS: usize = 65_536;
/// Bumped when the files' meaning changes: a read model of another schema is rebuilt.
pub const SCHEMA: u32 = 1;

#[cfg(target_endian = "big")]
compile_error!("the column files are little-endian and read in place");

/// One order's packed fact (see [`crate::codes`] for the bits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Row {
    pub time: u32,
    pub place: u16,
    pub category: u16,
    pub handler: u16,
    pub codes: u16,
    pub status: u16,
    pub dispatch: u8,
    pub contact: u8,
    pub reply: u16,
    pub end: u16,
}

/// The columns, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Time,
    Place,
    Category,
    Handler,
    Codes,
    Status,
    Dispatch,
    Contact,
    Reply,
    End,
}

impl Col {
    pub const ALL: [Col; 10] =
        [Col::Time, Col::Place, Col::Category, Col::Handler, Col::Codes, Col::Status, Col::Dispatch, Col::Contact, Col::Reply, Col::End];

    fn file_name(self) -> &'static str {
        match self {
            Col::Time => "time.u32",
            Col::Place => "place.u16",
            Col::Category => "category.u16",
            Col::Handler => "handler.u16",
            Col::Codes => "codes.u16",
            Col::Status => "status.u16",
            Col::Dispatch => "dispatch.u8",
            Col::Contact => "contact.u8",
            Col::Reply => "reply.u16",
            Col::End => "end.u16",
        }
    }

    pub fn width(self) -> usize {
        match self {
            Col::Time => 4,
            Col::Dispatch | Col::Contact => 1,
            _ => 2,
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Bytes per order on disk, all columns together.
pub const ROW_BYTES: usize = 20;
const _: () = assert!(4 + 2 * 7 + 2 == ROW_BYTES);

/// Which columns a scan reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Need(u16);

impl Need {
    pub fn with(self, c: Col) -> Self {
        Self(self.0 | c.bit())
    }
    pub fn has(self, c: Col) -> bool {
        self.0 & c.bit() != 0
    }
}

/// The columns of one block, as read; a column not asked for is empty.
#[derive(Debug, Default)]
pub struct Block {
    pub first_row: u64,
    pub len: usize,
    /// Every row's time is inside the scan's range (rows may still be empty: time 0).
    pub all_in_range: bool,
    pub time: Vec<u32>,
    pub place: Vec<u16>,
    pub category: Vec<u16>,
    pub handler: Vec<u16>,
    pub codes: Vec<u16>,
    pub status: Vec<u16>,
    pub dispatch: Vec<u8>,
    pub contact: Vec<u8>,
    pub reply: Vec<u16>,
    pub end: Vec<u16>,
}

impl Block {
    /// The packed row `i` of this block (columns not read are zero).
    pub fn row(&self, i: usize) -> Row {
        let at16 = |v: &Vec<u16>| v.get(i).copied().unwrap_or(0);
        let at8 = |v: &Vec<u8>| v.get(i).copied().unwrap_or(0);
        Row {
            time: self.time.get(i).copied().unwrap_or(0),
            place: at16(&self.place),
            category: at16(&self.category),
            handler: at16(&self.handler),
            codes: at16(&self.codes),
            status: at16(&self.status),
            dispatch: at8(&self.dispatch),
            contact: at8(&self.contact),
            reply: at16(&self.reply),
            end: at16(&self.end),
        }
    }
}

/// The dictionaries the columns refer to.
#[derive(Debug)]
pub struct Dicts {
    /// Unit ids (as text) of communities, streets and districts.
    pub place: Dict,
    /// Category paths.
    pub category: Dict,
    /// `u<unit id>` for a main unit, `a<article id>` for an article answered from.
    pub handler: Dict,
    /// Languages past zh and en (see [`crate::dict::language_slot`]).
    pub language: Dict,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Meta {
    schema: u32,
    /// Rows up to here may hold facts.
    rows: u64,
    /// Per block, the least and greatest `time` of its facts (`[u32::MAX, 0]` when it has none).
    zones: Vec<[u32; 2]>,
    /// How far the owner read its feed (its own format).
    feed: serde_json::Value,
}

#[derive(Debug)]
struct Shape {
    rows: u64,
    zones: Vec<[u32; 2]>,
}

/// The read model's files in one directory.
pub struct FactStore {
    dir: PathBuf,
    files: Vec<File>,
    shape: RwLock<Shape>,
    dicts: RwLock<Dicts>,
    coords: Mutex<File>,
    /// Serialises writers (the feed, an import, a rebuild) with each other, not with scans.
    writing: Mutex<()>,
    /// The feed position of the last checkpoint.
    feed: RwLock<Option<serde_json::Value>>,
    /// Removed on drop (a read model kept only for this process).
    temporary: bool,
}

impl Drop for FactStore {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl std::fmt::Debug for FactStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactStore").field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// Reads `buf.len()` bytes at `offset`; what lies past the end of the file reads as zeros.
fn read_full_at(file: &File, path: &Path, buf: &mut [u8], offset: u64) -> Result<()> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(AnalyticsError::io(path, e)),
        }
    }
    buf[done..].fill(0);
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| AnalyticsError::io(dir, e))
}

const EMPTY_ZONE: [u32; 2] = [u32::MAX, 0];

impl FactStore {
    /// Opens the read model in `dir` (created when missing). Answers the feed position of the last
    /// checkpoint, or `None` for a new or incompatible read model, which is then emptied.
    pub fn open(dir: &Path) -> Result<(Self, Option<serde_json::Value>)> {
        std::fs::create_dir_all(dir).map_err(|e| AnalyticsError::io(dir, e))?;
        let meta_path = dir.join("meta.json");
        let meta: Option<Meta> = match std::fs::read(&meta_path) {
            Ok(bytes) => serde_json::from_slice::<Meta>(&bytes).ok().filter(|m| m.schema == SCHEMA),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(AnalyticsError::io(&meta_path, e)),
        };
        if meta.is_none() {
            Self::wipe(dir)?;
        }
        let mut files = Vec::with_capacity(Col::ALL.len());
        for c in Col::ALL {
            let p = dir.join(c.file_name());
            files.push(
                OpenOptions::new().create(true).truncate(false).read(true).write(true).open(&p).map_err(|e| AnalyticsError::io(&p, e))?,
            );
        }
        let coords_path = dir.join("coords.bin");
        let coords = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .append(true)
            .open(&coords_path)
            .map_err(|e| AnalyticsError::io(&coords_path, e))?;
        let dicts = Dicts {
            place: Dict::open(&dir.join("place.dict"))?,
            category: Dict::open(&dir.join("category.dict"))?,
            handler: Dict::open(&dir.join("handler.dict"))?,
            language: Dict::open(&dir.join("language.dict"))?,
        };
        let (shape, feed) = match meta {
            Some(m) => (Shape { rows: m.rows, zones: m.zones }, Some(m.feed)),
            None => (Shape { rows: 0, zones: Vec::new() }, None),
        };
        let store = Self {
            dir: dir.to_owned(),
            files,
            shape: RwLock::new(shape),
            dicts: RwLock::new(dicts),
            coords: Mutex::new(coords),
            writing: Mutex::new(()),
            feed: RwLock::new(feed.clone()),
            temporary: false,
        };
        Ok((store, feed))
    }

    /// A read model in a new directory under the system's temporary directory, removed when it is
    /// dropped (a node without a configured directory rebuilds it at each start).
    pub fn temporary() -> Result<Self> {
        static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let base = std::env::temp_dir();
        for _ in 0..1000 {
            let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = base.join(format!("hotline-analytics-{}-{n}", std::process::id()));
            if std::fs::create_dir(&dir).is_ok() {
                let (mut store, _) = Self::open(&dir)?;
                store.temporary = true;
                return Ok(store);
            }
        }
        Err(AnalyticsError::Meta("cannot make a temporary directory".into()))
    }

    /// The feed position of the last checkpoint (`None` for a new or emptied read model).
    pub fn feed_state(&self) -> Option<serde_json::Value> {
        self.feed.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn wipe(dir: &Path) -> Result<()> {
        let names = Col::ALL.iter().map(|c| c.file_name()).chain([
            "coords.bin",
            "place.dict",
            "category.dict",
            "handler.dict",
            "language.dict",
            "meta.json",
        ]);
        for name in names {
            let p = dir.join(name);
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(AnalyticsError::io(&p, e)),
            }
        }
        Ok(())
    }

    /// Empties the read model in place (a rebuild), keeping the directory.
    pub fn clear(&self) -> Result<()> {
        let _w = self.lock_writer();
        for (f, c) in self.files.iter().zip(Col::ALL) {
            f.set_len(0).map_err(|e| AnalyticsError::io(&self.dir.join(c.file_name()), e))?;
        }
        self.coords.lock().unwrap_or_else(std::sync::PoisonError::into_inner).set_len(0).map_err(|e| AnalyticsError::io(&self.dir, e))?;
        {
            let mut d = self.dicts_mut();
            for name in ["place.dict", "category.dict", "handler.dict", "language.dict"] {
                let p = self.dir.join(name);
                if p.exists() {
                    std::fs::remove_file(&p).map_err(|e| AnalyticsError::io(&p, e))?;
                }
            }
            *d = Dicts {
                place: Dict::open(&self.dir.join("place.dict"))?,
                category: Dict::open(&self.dir.join("category.dict"))?,
                handler: Dict::open(&self.dir.join("handler.dict"))?,
                language: Dict::open(&self.dir.join("language.dict"))?,
            };
        }
        let mut s = self.shape.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *s = Shape { rows: 0, zones: Vec::new() };
        *self.feed.write().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        let meta = self.dir.join("meta.json");
        if meta.exists() {
            std::fs::remove_file(&meta).map_err(|e| AnalyticsError::io(&meta, e))?;
        }
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Holds off other writers while the guard lives.
    pub fn lock_writer(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writing.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn dicts(&self) -> std::sync::RwLockReadGuard<'_, Dicts> {
        self.dicts.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn dicts_mut(&self) -> std::sync::RwLockWriteGuard<'_, Dicts> {
        self.dicts.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Rows that may hold facts (the highest order id seen).
    pub fn rows(&self) -> u64 {
        self.shape.read().unwrap_or_else(std::sync::PoisonError::into_inner).rows
    }

    /// The least and greatest `time` of any fact, if there is one.
    pub fn time_span(&self) -> Option<(u32, u32)> {
        let s = self.shape.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let lo = s.zones.iter().map(|z| z[0]).min()?;
        let hi = s.zones.iter().map(|z| z[1]).max()?;
        (lo <= hi).then_some((lo, hi))
    }

    /// Bytes the column files take on disk (allocated, so holes of unused ids cost nothing).
    pub fn disk_bytes(&self) -> Result<u64> {
        use std::os::unix::fs::MetadataExt;
        let mut total = 0;
        for entry in std::fs::read_dir(&self.dir).map_err(|e| AnalyticsError::io(&self.dir, e))? {
            let entry = entry.map_err(|e| AnalyticsError::io(&self.dir, e))?;
            let m = entry.metadata().map_err(|e| AnalyticsError::io(&entry.path(), e))?;
            total += m.blocks() * 512;
        }
        Ok(total)
    }

    /// Writes facts at their rows (`row` = order id − 1), in any order; a row written again is
    /// replaced. Callers hold [`FactStore::lock_writer`].
    pub fn write(&self, rows: &mut [(u64, Row)]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        rows.sort_by_key(|r| r.0);
        let mut start = 0;
        while start < rows.len() {
            let mut end = start + 1;
            while end < rows.len() && rows[end].0 <= rows[end - 1].0 + 1 {
                end += 1;
            }
            self.write_run(&rows[start..end])?;
            start = end;
        }
        Ok(())
    }

    /// Writes consecutive rows starting at `first_row` (the bulk path: a generated history).
    pub fn append(&self, first_row: u64, rows: &[Row]) -> Result<()> {
        let run: Vec<(u64, Row)> = rows.iter().enumerate().map(|(i, r)| (first_row + i as u64, *r)).collect();
        self.write_run(&run)
    }

    /// A run of rows, sorted; a row repeated keeps its last version.
    fn write_run(&self, run: &[(u64, Row)]) -> Result<()> {
        let first = run[0].0;
        let last = run[run.len() - 1].0;
        let n = usize::try_from(last - first + 1).map_err(|_| AnalyticsError::TooLarge)?;
        let mut dense = vec![Row::default(); n];
        for (r, row) in run {
            dense[(r - first) as usize] = *row;
        }
        let mut buf: Vec<u8> = Vec::with_capacity(n * 4);
        for (file, c) in self.files.iter().zip(Col::ALL) {
            buf.clear();
            for r in &dense {
                match c {
                    Col::Time => buf.extend_from_slice(&r.time.to_le_bytes()),
                    Col::Place => buf.extend_from_slice(&r.place.to_le_bytes()),
                    Col::Category => buf.extend_from_slice(&r.category.to_le_bytes()),
                    Col::Handler => buf.extend_from_slice(&r.handler.to_le_bytes()),
                    Col::Codes => buf.extend_from_slice(&r.codes.to_le_bytes()),
                    Col::Status => buf.extend_from_slice(&r.status.to_le_bytes()),
                    Col::Dispatch => buf.push(r.dispatch),
                    Col::Contact => buf.push(r.contact),
                    Col::Reply => buf.extend_from_slice(&r.reply.to_le_bytes()),
                    Col::End => buf.extend_from_slice(&r.end.to_le_bytes()),
                }
            }
            let path = self.dir.join(c.file_name());
            file.write_all_at(&buf, first * c.width() as u64).map_err(|e| AnalyticsError::io(&path, e))?;
        }
        let mut s = self.shape.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        s.rows = s.rows.max(last + 1);
        let blocks = usize::try_from(s.rows.div_ceil(BLOCK_ROWS as u64)).map_err(|_| AnalyticsError::TooLarge)?;
        if s.zones.len() < blocks {
            s.zones.resize(blocks, EMPTY_ZONE);
        }
        for (r, row) in run {
            if row.time == 0 {
                continue;
            }
            let z = &mut s.zones[(r / BLOCK_ROWS as u64) as usize];
            z[0] = z[0].min(row.time);
            z[1] = z[1].max(row.time);
        }
        Ok(())
    }

    /// Records where an order is on the map (rows with coordinates are few: a sparse file).
    pub fn write_coords(&self, points: &[(u64, f32, f32)]) -> Result<()> {
        if points.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::with_capacity(points.len() * 12);
        for (row, lng, lat) in points {
            buf.extend_from_slice(&u32::try_from(*row).unwrap_or(u32::MAX).to_le_bytes());
            buf.extend_from_slice(&lng.to_le_bytes());
            buf.extend_from_slice(&lat.to_le_bytes());
        }
        let mut f = self.coords.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f.write_all(&buf).map_err(|e| AnalyticsError::io(&self.dir.join("coords.bin"), e))
    }

    /// The newest points first, at most `limit` distinct rows, as `(row, lng, lat)`.
    pub fn recent_coords(&self, limit: usize, mut keep: impl FnMut(u64) -> bool) -> Result<Vec<(u64, f32, f32)>> {
        let path = self.dir.join("coords.bin");
        let file = File::open(&path).map_err(|e| AnalyticsError::io(&path, e))?;
        let len = file.metadata().map_err(|e| AnalyticsError::io(&path, e))?.len() / 12 * 12;
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let chunk = 12 * 4096u64;
        let mut end = len;
        let mut buf = vec![0u8; chunk as usize];
        while end > 0 && out.len() < limit {
            let start = end.saturating_sub(chunk);
            let part = &mut buf[..(end - start) as usize];
            read_full_at(&file, &path, part, start)?;
            for rec in part.chunks_exact(12).rev() {
                let row = u64::from(u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]));
                if !seen.insert(row) {
                    continue;
                }
                let lng = f32::from_le_bytes([rec[4], rec[5], rec[6], rec[7]]);
                let lat = f32::from_le_bytes([rec[8], rec[9], rec[10], rec[11]]);
                if keep(row) {
                    out.push((row, lng, lat));
                    if out.len() >= limit {
                        break;
                    }
                }
            }
            end = start;
        }
        Ok(out)
    }

    /// One row as stored (all zero when it holds no fact).
    pub fn read_row(&self, row: u64) -> Result<Row> {
        let mut b = Block::default();
        self.read_block(&mut b, row, 1, Need(u16::MAX))?;
        Ok(b.row(0))
    }

    fn read_col<T: bytemuck::Pod + Default>(&self, c: Col, v: &mut Vec<T>, first: u64, len: usize) -> Result<()> {
        v.clear();
        v.resize(len, T::default());
        let path = || self.dir.join(c.file_name());
        read_full_at(&self.files[c as usize], &path(), bytemuck::cast_slice_mut(v.as_mut_slice()), first * c.width() as u64)
    }

    fn read_block(&self, b: &mut Block, first: u64, len: usize, need: Need) -> Result<()> {
        b.first_row = first;
        b.len = len;
        macro_rules! col {
            ($c:expr, $field:ident) => {
                if need.has($c) {
                    self.read_col($c, &mut b.$field, first, len)?;
                } else {
                    b.$field.clear();
                }
            };
        }
        col!(Col::Time, time);
        col!(Col::Place, place);
        col!(Col::Category, category);
        col!(Col::Handler, handler);
        col!(Col::Codes, codes);
        col!(Col::Status, status);
        col!(Col::Dispatch, dispatch);
        col!(Col::Contact, contact);
        col!(Col::Reply, reply);
        col!(Col::End, end);
        Ok(())
    }

    /// Runs `each` over every block that may hold facts with `time` in `[from, to)`, on every core:
    /// one accumulator per thread (from `init`), all returned for the caller to merge. The time
    /// column is always read.
    pub fn scan<A: Send>(
        &self,
        need: Need,
        (from, to): (u32, u32),
        init: impl Fn() -> A + Sync,
        each: impl Fn(&mut A, &Block) + Sync,
    ) -> Result<Vec<A>> {
        let need = need.with(Col::Time);
        let (rows, blocks): (u64, Vec<(usize, bool)>) = {
            let s = self.shape.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            let blocks = s
                .zones
                .iter()
                .enumerate()
                .filter(|(_, z)| z[0] <= z[1] && z[1] >= from && z[0] < to)
                .map(|(i, z)| (i, z[0] >= from && z[1] < to))
                .collect();
            (s.rows, blocks)
        };
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 16).min(blocks.len().max(1));
        let results: Vec<Result<A>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (blocks, init, each) = (&blocks, &init, &each);
                    scope.spawn(move || -> Result<A> {
                        let mut acc = init();
                        let mut b = Block::default();
                        for &(i, inside) in blocks.iter().skip(t).step_by(threads) {
                            let first = (i * BLOCK_ROWS) as u64;
                            let len = usize::try_from((rows - first).min(BLOCK_ROWS as u64)).unwrap_or(BLOCK_ROWS);
                            self.read_block(&mut b, first, len, need)?;
                            b.all_in_range = inside;
                            each(&mut acc, &b);
                        }
                        Ok(acc)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or(Err(AnalyticsError::ScanPanicked))).collect()
        });
        results.into_iter().collect()
    }

    /// Makes every write so far durable and records `feed` as the position they cover.
    pub fn checkpoint(&self, feed: &impl Serialize) -> Result<()> {
        for (f, c) in self.files.iter().zip(Col::ALL) {
            f.sync_data().map_err(|e| AnalyticsError::io(&self.dir.join(c.file_name()), e))?;
        }
        self.coords.lock().unwrap_or_else(std::sync::PoisonError::into_inner).sync_data().map_err(|e| AnalyticsError::io(&self.dir, e))?;
        {
            let mut d = self.dicts_mut();
            d.place.sync()?;
            d.category.sync()?;
            d.handler.sync()?;
            d.language.sync()?;
        }
        let meta = {
            let s = self.shape.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            Meta {
                schema: SCHEMA,
                rows: s.rows,
                zones: s.zones.clone(),
                feed: serde_json::to_value(feed).map_err(|e| AnalyticsError::Meta(e.to_string()))?,
            }
        };
        let bytes = serde_json::to_vec(&meta).map_err(|e| AnalyticsError::Meta(e.to_string()))?;
        let tmp = self.dir.join("meta.json.tmp");
        let mut f = File::create(&tmp).map_err(|e| AnalyticsError::io(&tmp, e))?;
        f.write_all(&bytes).and_then(|()| f.sync_all()).map_err(|e| AnalyticsError::io(&tmp, e))?;
        std::fs::rename(&tmp, self.dir.join("meta.json")).map_err(|e| AnalyticsError::io(&tmp, e))?;
        sync_dir(&self.dir)?;
        *self.feed.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(meta.feed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(time: u32, place: u16) -> Row {
        Row { time, place, category: 3, handler: 4, codes: 5, status: 6, dispatch: 7, contact: 8, reply: 9, end: 10 }
    }

    fn count_places(store: &FactStore, range: (u32, u32)) -> Vec<(u64, u16)> {
        let mut out: Vec<(u64, u16)> = store
            .scan(Need::default().with(Col::Place), range, Vec::new, |acc: &mut Vec<(u64, u16)>, b| {
                for i in 0..b.len {
                    if b.time[i] != 0 && b.time[i] >= range.0 && b.time[i] < range.1 {
                        acc.push((b.first_row + i as u64, b.place[i]));
                    }
                }
            })
            .expect("scan")
            .concat();
        out.sort_unstable();
        out
    }

    #[test]
    fn rows_are_written_in_place_and_read_back_after_a_checkpoint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, feed) = FactStore::open(dir.path()).expect("open");
        assert_eq!(feed, None);
        store.write(&mut [(5, row(100, 1)), (0, row(50, 2)), (200_000, row(400, 3))]).expect("write");
        store.write(&mut [(5, row(120, 7))]).expect("rewrite");
        assert_eq!(store.read_row(5).expect("read"), row(120, 7));
        assert_eq!(store.read_row(6).expect("read"), Row::default());
        store.checkpoint(&serde_json::json!({"cursor": 42})).expect("checkpoint");
        drop(store);
        let (store, feed) = FactStore::open(dir.path()).expect("reopen");
        assert_eq!(feed, Some(serde_json::json!({"cursor": 42})));
        assert_eq!(count_places(&store, (0, u32::MAX)), vec![(0, 2), (5, 7), (200_000, 3)]);
        assert_eq!(count_places(&store, (100, 401)), vec![(5, 7), (200_000, 3)]);
        assert_eq!(store.time_span(), Some((50, 400)));
    }

    #[test]
    fn a_read_model_without_a_checkpoint_starts_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = FactStore::open(dir.path()).expect("open");
        store.write(&mut [(1, row(100, 1))]).expect("write");
        drop(store);
        let (store, feed) = FactStore::open(dir.path()).expect("reopen");
        assert_eq!((feed, store.rows()), (None, 0));
        assert_eq!(count_places(&store, (0, u32::MAX)), vec![]);
    }

    #[test]
    fn the_newest_point_of_a_row_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = FactStore::open(dir.path()).expect("open");
        store.write_coords(&[(1, 116.1, 39.9), (2, 116.2, 39.8), (1, 116.3, 40.0)]).expect("coords");
        let pts = store.recent_coords(10, |_| true).expect("read");
        assert_eq!(pts, vec![(1, 116.3, 40.0), (2, 116.2, 39.8)]);
    }
}
