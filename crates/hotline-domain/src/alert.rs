//! Early warning (预警): what a detection pass over the call volumes raises, and where a raised alert
//! stands with the people watching it.

crate::vocab::vocabulary!(/// What an alert is about: a series whose calls surged, or words that burst.
    AlertKind, "kind" {
    Surge = "surge", "突增", "Surge";
    Topic = "topic", "新问题", "Emerging topic";
});

crate::vocab::vocabulary!(/// Where an alert stands with the people watching it.
    AlertStatus, "status" {
    Open = "open", "待处理", "Open";
    Acknowledged = "acknowledged", "已确认", "Acknowledged";
    Dismissed = "dismissed", "已忽略", "Dismissed";
});

crate::vocab::vocabulary!(/// Where an incident (突发事件) stands: while active, intake shows its banner and script and
    /// calls are linked to it; closed, it is history.
    IncidentStatus, "status" {
    Active = "active", "进行中", "Active";
    Closed = "closed", "已结束", "Closed";
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_codes_parse_back_and_have_labels() {
        for k in AlertKind::ALL {
            assert_eq!(AlertKind::parse(k.code()), Ok(*k));
        }
        for s in AlertStatus::ALL {
            assert_eq!(AlertStatus::parse(s.code()), Ok(*s));
        }
        assert_eq!((AlertKind::Topic.label(true), AlertKind::Topic.label(false)), ("新问题", "Emerging topic"));
        assert_eq!(AlertStatus::Dismissed.label(true), "已忽略");
        assert!(AlertStatus::parse("closed").is_err());
        for s in IncidentStatus::ALL {
            assert_eq!(IncidentStatus::parse(s.code()), Ok(*s));
        }
        assert_eq!(IncidentStatus::Active.label(false), "Active");
    }
}
