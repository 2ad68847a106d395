//! What the public timeline says over Open311: each public event as one of FixMyStreet's extended
//! statuses (its Open311 `update-extended` vocabulary, which FixMyStreet maps onto its report
//! states), and a note readable by the requester, in Chinese or English.
//!
//! Statuses, from our events (FixMyStreet reads them case-insensitively, `_` as a space):
//!
//! | event | status |
//! |---|---|
//! | receive, reopen | `open` |
//! | dispatch (to the responsible unit), sign (the unit takes it on) | `investigating` |
//! | contact (the unit has spoken to the requester and arranged the work) | `action_scheduled` |
//! | start_work | `in_progress` |
//! | reply resolved; close after a resolved reply | `fixed` |
//! | reply explained (cannot be solved now); close after such a reply | `unable_to_fix` |
//! | answer (a consultation answered directly); close without a reply | `closed` |
//! | transfer (to 110/119/120/122) | `internal_referral` |
//! | redirect (outside the hotline's remit, the requester told where to turn) | `not_councils_responsibility` |
//! | link_duplicate | `duplicate` |
//!
//! The language of a note: the client's `locale` parameter if it names Chinese or English, else its
//! `Accept-Language` (the first of the two by preference), else the request's own language (the
//! requester's: Chinese for `zh`, English for any other, since notes exist in those two).

use hotline_domain::{ActionKind, EventPayload, ReplyOutcome, State, WorkOrder};

use crate::units::UnitDirectory;

/// A language notes are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteLanguage {
    Zh,
    En,
}

impl NoteLanguage {
    /// The language of a BCP 47 tag (`zh`, `zh-CN`, `zh_Hant`, `en-GB` …), if notes are written in it.
    pub fn of_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("zh") {
            Some(Self::Zh)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Self::En)
        } else {
            None
        }
    }

    /// The preferred of Chinese and English in an `Accept-Language` header (highest `q`, then the
    /// first listed), if it names either.
    pub fn of_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(f32, Self)> = None;
        for part in header.split(',').take(32) {
            let mut fields = part.split(';');
            let Some(lang) = fields.next().and_then(Self::of_tag) else { continue };
            let q = fields
                .filter_map(|f| f.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .filter(|q| q.is_finite())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    /// The request's own language: its requester's.
    pub fn of_order(o: &WorkOrder) -> Self {
        if o.requester.language == "zh" { Self::Zh } else { Self::En }
    }

    fn pick(self, zh: String, en: String) -> String {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }
}

/// The extended status an event of `order`'s timeline stands for (see the module's table).
pub fn status_of_event(payload: &EventPayload, to: State, order: Option<&WorkOrder>) -> &'static str {
    let reply_status = |outcome: ReplyOutcome| match outcome {
        ReplyOutcome::Resolved => "fixed",
        ReplyOutcome::Explained => "unable_to_fix",
    };
    match payload {
        EventPayload::Receive(_) | EventPayload::Reopen(_) => "open",
        EventPayload::Dispatch(_) | EventPayload::Sign => "investigating",
        EventPayload::Contact => "action_scheduled",
        EventPayload::StartWork => "in_progress",
        EventPayload::Reply(r) => reply_status(r.reply.outcome),
        EventPayload::Answer(_) => "closed",
        EventPayload::Transfer(_) => "internal_referral",
        EventPayload::Redirect => "not_councils_responsibility",
        EventPayload::LinkDuplicate(_) => "duplicate",
        EventPayload::Close => order.and_then(|o| o.reply.as_ref()).map_or("closed", |r| reply_status(r.outcome)),
        // Not published; should one be, its state says open or closed.
        _ => {
            if to.is_terminal() {
                "closed"
            } else {
                "open"
            }
        }
    }
}

/// A readable note for an event of `order`'s timeline, in `lang`. A reply is the unit's own words
/// unless the requester asked for confidentiality (保密); then, as everything they wrote, it is
/// withheld.
pub fn note_of_event(payload: &EventPayload, order: Option<&WorkOrder>, units: &UnitDirectory, lang: NoteLanguage) -> String {
    let confidential = order.is_none_or(|o| o.requester.confidential);
    let unit_name = |id| units.get(id).map(|u| u.name.clone());
    let (zh, en) = match payload {
        EventPayload::Receive(_) => ("12345热线已受理您的诉求。".to_owned(), "The 12345 hotline has received the request.".to_owned()),
        EventPayload::Dispatch(d) => match unit_name(d.assignment.main_unit) {
            Some(u) => (format!("已派至{u}办理。"), format!("Sent to {u} to handle.")),
            None => ("已派至负责单位办理。".to_owned(), "Sent to the responsible unit to handle.".to_owned()),
        },
        EventPayload::Sign => ("承办单位已接单。".to_owned(), "The responsible unit has taken it on.".to_owned()),
        EventPayload::Contact => (
            "承办单位已联系诉求人，安排处理。".to_owned(),
            "The responsible unit has contacted the requester and arranged the work.".to_owned(),
        ),
        EventPayload::StartWork => ("承办单位已开始处理。".to_owned(), "The responsible unit has started work on it.".to_owned()),
        EventPayload::Reply(r) if !confidential => (r.reply.text.clone(), r.reply.text.clone()),
        EventPayload::Reply(r) => (
            format!("承办单位已答复诉求人（{}，内容不公开）。", r.reply.outcome.label(true)),
            format!("The responsible unit has replied to the requester ({}; not published).", r.reply.outcome.label(false).to_lowercase()),
        ),
        EventPayload::Answer(_) => ("热线已直接答复诉求人。".to_owned(), "The hotline answered the requester directly.".to_owned()),
        EventPayload::Transfer(t) => {
            (format!("已转{}处理。", t.service.label(true)), format!("Handed over to {}.", t.service.label(false)))
        }
        EventPayload::Redirect => (
            "该诉求不属于热线受理范围，已告知诉求人其他办理渠道。".to_owned(),
            "Not for the hotline to handle; the requester was told where to turn.".to_owned(),
        ),
        EventPayload::LinkDuplicate(l) => (
            format!("与诉求 {} 反映的是同一问题，合并办理。", l.duplicate_of),
            format!("The same problem as request {}; handled together with it.", l.duplicate_of),
        ),
        EventPayload::Close => ("诉求已办结。".to_owned(), "The request is closed.".to_owned()),
        EventPayload::Reopen(_) => ("诉求已重新交办。".to_owned(), "The request was reopened and sent back to be handled.".to_owned()),
        other => {
            let kind: ActionKind = other.kind();
            (kind.label(true).to_owned(), kind.label(false).to_owned())
        }
    };
    lang.pick(zh, en)
}

#[cfg(test)]
mod tests {
    use super::NoteLanguage;

    #[test]
    fn the_language_comes_from_a_tag_or_the_preferred_of_an_accept_language_header() {
        for (tag, lang) in [
            ("zh", Some(NoteLanguage::Zh)),
            ("zh-CN", Some(NoteLanguage::Zh)),
            ("zh_Hant", Some(NoteLanguage::Zh)),
            ("EN-gb", Some(NoteLanguage::En)),
            ("en", Some(NoteLanguage::En)),
            ("fr", None),
            ("", None),
        ] {
            assert_eq!(NoteLanguage::of_tag(tag), lang, "{tag:?}");
        }
        for (header, lang) in [
            ("en-US,en;q=0.9", Some(NoteLanguage::En)),
            ("fr-FR, zh-CN;q=0.8, en;q=0.7", Some(NoteLanguage::Zh)),
            ("zh;q=0.5, en;q=0.9", Some(NoteLanguage::En)),
            ("en;q=0, zh;q=0.1", Some(NoteLanguage::Zh)),
            ("de, *;q=0.5", None),
            ("en;q=abc", Some(NoteLanguage::En)),
            ("", None),
        ] {
            assert_eq!(NoteLanguage::of_accept_language(header), lang, "{header:?}");
        }
    }
}
