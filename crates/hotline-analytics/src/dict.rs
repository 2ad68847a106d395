//! Append-only dictionaries: a column stores a small index, the dictionary the value it stands for.
//! Index 0 is "none"; an entry keeps its index for the life of the read model, so rows written
//! earlier never need rewriting. Each dictionary is a text file of one entry per line.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use crate::{AnalyticsError, Result};

/// Language slots in the 3-bit field: zh and en are fixed, the next five languages met take the
/// following slots, and every further language shares the last slot ("other").
pub const LANGUAGE_SLOTS: usize = 8;
pub const OTHER_LANGUAGE: &str = "other";

#[derive(Debug)]
pub struct Dict {
    path: PathBuf,
    file: Option<File>,
    /// Entry `i` is at index `i + 1`.
    entries: Vec<String>,
    index: HashMap<String, u16>,
    /// Appended since the last sync.
    dirty: bool,
}

impl Dict {
    /// Opens (or starts) the dictionary in `path`. A last line cut short by a crash is dropped: no
    /// row that survived the last checkpoint can refer to it.
    pub fn open(path: &Path) -> Result<Self> {
        let mut entries = Vec::new();
        if path.exists() {
            let file = File::open(path).map_err(|e| AnalyticsError::io(path, e))?;
            let mut reader = BufReader::new(file);
            let mut line = String::new();
            loop {
                line.clear();
                let n = reader.read_line(&mut line).map_err(|e| AnalyticsError::io(path, e))?;
                if n == 0 || !line.ends_with('\n') {
                    break;
                }
                entries.push(line.trim_end_matches('\n').to_owned());
            }
            // Rewrite without the torn tail so appends start on a line of their own.
            let whole: usize = entries.iter().map(|e| e.len() + 1).sum();
            let len = std::fs::metadata(path).map_err(|e| AnalyticsError::io(path, e))?.len();
            if len != whole as u64 {
                let f = OpenOptions::new().write(true).open(path).map_err(|e| AnalyticsError::io(path, e))?;
                f.set_len(whole as u64).map_err(|e| AnalyticsError::io(path, e))?;
            }
        }
        let index = entries.iter().enumerate().map(|(i, e)| (e.clone(), u16::try_from(i + 1).unwrap_or(u16::MAX))).collect();
        Ok(Self { path: path.to_owned(), file: None, entries, index, dirty: false })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry at `index` (none for 0 or an index never given).
    pub fn get(&self, index: u16) -> Option<&str> {
        usize::from(index).checked_sub(1).and_then(|i| self.entries.get(i)).map(String::as_str)
    }

    /// The index of `entry`, if it has one.
    pub fn find(&self, entry: &str) -> Option<u16> {
        self.index.get(entry).copied()
    }

    /// Entries with their indexes.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &str)> {
        self.entries.iter().enumerate().map(|(i, e)| (u16::try_from(i + 1).unwrap_or(u16::MAX), e.as_str()))
    }

    /// The index of `entry`, given a new one when it has none. A full dictionary (65,535 entries)
    /// answers 0 ("none") rather than fail the feed.
    pub fn intern(&mut self, entry: &str) -> Result<u16> {
        if let Some(i) = self.index.get(entry) {
            return Ok(*i);
        }
        if entry.contains('\n') || entry.is_empty() {
            return Ok(0);
        }
        let Ok(index) = u16::try_from(self.entries.len() + 1) else { return Ok(0) };
        if index == u16::MAX {
            return Ok(0);
        }
        if self.file.is_none() {
            let f = OpenOptions::new().create(true).append(true).open(&self.path).map_err(|e| AnalyticsError::io(&self.path, e))?;
            self.file = Some(f);
        }
        if let Some(f) = self.file.as_mut() {
            f.write_all(format!("{entry}\n").as_bytes()).map_err(|e| AnalyticsError::io(&self.path, e))?;
        }
        self.entries.push(entry.to_owned());
        self.index.insert(entry.to_owned(), index);
        self.dirty = true;
        Ok(index)
    }

    /// Makes appended entries durable (before a checkpoint that rows referring to them depend on).
    pub fn sync(&mut self) -> Result<()> {
        if self.dirty
            && let Some(f) = self.file.as_ref()
        {
            f.sync_data().map_err(|e| AnalyticsError::io(&self.path, e))?;
        }
        self.dirty = false;
        Ok(())
    }
}

/// The language slot of a code: fixed for zh and en, assigned in order of first appearance for the
/// next five, shared ("other") after that. `dict` holds the languages given slots 2–6.
pub fn language_slot(dict: &mut Dict, code: &str) -> Result<u16> {
    match code {
        "zh" => Ok(0),
        "en" => Ok(1),
        _ => {
            if let Some(i) = dict.find(code) {
                return Ok(i + 1);
            }
            if dict.len() + 2 < LANGUAGE_SLOTS - 1 {
                Ok(dict.intern(code)? + 1)
            } else {
                Ok(u16::try_from(LANGUAGE_SLOTS - 1).unwrap_or(7))
            }
        }
    }
}

/// The language code of a slot.
pub fn language_of(dict: &Dict, slot: u16) -> String {
    match slot {
        0 => "zh".to_owned(),
        1 => "en".to_owned(),
        s if usize::from(s) == LANGUAGE_SLOTS - 1 => OTHER_LANGUAGE.to_owned(),
        s => dict.get(s - 1).unwrap_or(OTHER_LANGUAGE).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_their_index_across_reopening_and_a_torn_tail_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("d.txt");
        let mut d = Dict::open(&path).expect("open");
        assert_eq!(d.intern("UTL/heating").expect("intern"), 1);
        assert_eq!(d.intern("TRF").expect("intern"), 2);
        assert_eq!(d.intern("UTL/heating").expect("intern"), 1);
        d.sync().expect("sync");
        drop(d);
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(b"CTY/wa").expect("write");
        drop(f);
        let mut d = Dict::open(&path).expect("reopen");
        assert_eq!((d.find("TRF"), d.get(1), d.len()), (Some(2), Some("UTL/heating"), 2));
        assert_eq!(d.intern("CTY/waterlogging").expect("intern"), 3);
        drop(d);
        let d = Dict::open(&path).expect("reopen");
        assert_eq!(d.get(3), Some("CTY/waterlogging"));
    }

    #[test]
    fn languages_past_the_slots_share_other() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut d = Dict::open(&dir.path().join("l.txt")).expect("open");
        let slots: Vec<u16> =
            ["zh", "en", "ar", "fr", "ru", "ja", "ko", "ug", "ar"].iter().map(|c| language_slot(&mut d, c).expect("slot")).collect();
        assert_eq!(slots, vec![0, 1, 2, 3, 4, 5, 6, 7, 2]);
        assert_eq!(language_of(&d, 7), "other");
        assert_eq!(language_of(&d, 2), "ar");
    }
}
