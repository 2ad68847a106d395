//! The running figures of one group while a scan adds rows: a count, the three rates, flags
//! (overdue, disputed, repeat) and reply-time quantiles.

use crate::codes::{self, code, status};
use crate::engine::Context;
use crate::query::Measure;
use crate::store::{Block, Col};

/// What cells need from the context while adding a row.
pub(crate) struct CellCtx {
    pub(crate) now: u32,
}

/// One group's running figures.
pub(crate) trait Cell: Clone + Default + Send {
    const NEED: &'static [Col];
    fn add(&mut self, b: &Block, i: usize, ctx: &CellCtx);
    fn merge(&mut self, other: &Self);
    fn orders(&self) -> u64;
    fn value(&self, m: Measure, ctx: &Context) -> Option<f64>;
}

#[derive(Clone, Default)]
pub(crate) struct CountCell(u32);

impl Cell for CountCell {
    const NEED: &'static [Col] = &[];
    #[inline]
    fn add(&mut self, _: &Block, _: usize, _: &CellCtx) {
        self.0 += 1;
    }
    fn merge(&mut self, o: &Self) {
        self.0 += o.0;
    }
    fn orders(&self) -> u64 {
        u64::from(self.0)
    }
    fn value(&self, _: Measure, _: &Context) -> Option<f64> {
        Some(f64::from(self.0))
    }
}

/// Orders, evaluated (not excluded), contacted, resolved, partly, satisfied, basically satisfied.
#[derive(Clone, Default)]
pub(crate) struct RateCell([u32; 7]);

impl Cell for RateCell {
    const NEED: &'static [Col] = &[Col::Status];
    #[inline]
    fn add(&mut self, b: &Block, i: usize, _: &CellCtx) {
        let s = b.status[i];
        self.0[0] += 1;
        let resolution = status::RESOLUTION.get(s);
        if resolution == 0 || status::EXCLUDED.get(s) == 1 {
            return;
        }
        let satisfaction = status::SATISFACTION.get(s);
        self.0[1] += 1;
        self.0[2] += u32::from(status::CONTACTED.get(s));
        self.0[3] += u32::from(resolution == 1);
        self.0[4] += u32::from(resolution == 2);
        self.0[5] += u32::from(satisfaction == 1);
        self.0[6] += u32::from(satisfaction == 2);
    }
    fn merge(&mut self, o: &Self) {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            *a += b;
        }
    }
    fn orders(&self) -> u64 {
        u64::from(self.0[0])
    }
    fn value(&self, m: Measure, ctx: &Context) -> Option<f64> {
        let [_, n, contacted, resolved, partly, satisfied, basic] = self.0.map(f64::from);
        if n == 0.0 {
            return None;
        }
        Some(match m {
            Measure::ResponseRate => contacted / n,
            Measure::ResolutionRate => (resolved + ctx.partly_resolved * partly) / n,
            _ => (satisfied + ctx.basically_satisfied * basic) / n,
        })
    }
}

/// Whether an open order is past the due time its `end` column holds.
#[inline]
pub(crate) fn open_past_due(b: &Block, i: usize, now: u32) -> bool {
    let s = b.status[i];
    let open = codes::state_of(status::STATE.get(s)).is_some_and(|st| !st.is_terminal());
    let end = b.end[i];
    open && end != 0 && now > b.time[i] + (u32::from(end) - 1) * 10
}

/// Orders, and those with a property (which one: the const parameter).
#[derive(Clone, Default)]
pub(crate) struct FlagCell<const KIND: u8>([u32; 2]);

pub(crate) const OVERDUE: u8 = 0;
pub(crate) const OVERDUE_NOW: u8 = 1;
pub(crate) const DISPUTED: u8 = 2;
pub(crate) const REPEAT: u8 = 3;

impl<const KIND: u8> Cell for FlagCell<KIND> {
    const NEED: &'static [Col] = match KIND {
        OVERDUE | OVERDUE_NOW => &[Col::Status, Col::End],
        _ => &[Col::Codes],
    };
    #[inline]
    fn add(&mut self, b: &Block, i: usize, ctx: &CellCtx) {
        self.0[0] += 1;
        let hit = match KIND {
            OVERDUE => {
                let s = b.status[i];
                (status::LATE_DISPATCH.get(s) | status::LATE_CONTACT.get(s) | status::LATE_REPLY.get(s)) == 1
                    || open_past_due(b, i, ctx.now)
            }
            OVERDUE_NOW => open_past_due(b, i, ctx.now),
            DISPUTED => code::DISPUTED.get(b.codes[i]) == 1,
            _ => code::REPEAT.get(b.codes[i]) == 1,
        };
        self.0[1] += u32::from(hit);
    }
    fn merge(&mut self, o: &Self) {
        self.0[0] += o.0[0];
        self.0[1] += o.0[1];
    }
    fn orders(&self) -> u64 {
        u64::from(self.0[0])
    }
    fn value(&self, _: Measure, _: &Context) -> Option<f64> {
        Some(f64::from(self.0[1]))
    }
}

/// Orders, and the reply times of those replied (10-minute steps).
#[derive(Clone, Default)]
pub(crate) struct ReplyCell {
    orders: u32,
    spans: Vec<u16>,
}

/// The `q` quantile of sorted values, interpolated between neighbours (DuckDB's `quantile_cont`,
/// and `median`).
pub(crate) fn quantile(sorted: &[u16], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let pos = q * last as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let at = |i: usize| codes::tenths_hours(sorted[i]).unwrap_or(0.0);
    Some(at(lo) + (at(hi) - at(lo)) * (pos - lo as f64))
}

impl Cell for ReplyCell {
    const NEED: &'static [Col] = &[Col::Reply];
    #[inline]
    fn add(&mut self, b: &Block, i: usize, _: &CellCtx) {
        self.orders += 1;
        let r = b.reply[i];
        if r != 0 {
            self.spans.push(r);
        }
    }
    fn merge(&mut self, o: &Self) {
        self.orders += o.orders;
        self.spans.extend_from_slice(&o.spans);
    }
    fn orders(&self) -> u64 {
        u64::from(self.orders)
    }
    fn value(&self, m: Measure, _: &Context) -> Option<f64> {
        let mut v = self.spans.clone();
        v.sort_unstable();
        quantile(&v, if m == Measure::P90ReplyHours { 0.9 } else { 0.5 })
    }
}
