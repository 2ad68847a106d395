//! Units: the hierarchy orders are dispatched through (centre → district → street/township →
//! community, plus the non-territorial departments and utilities).

use serde::{Deserialize, Serialize};

use crate::ids::UnitId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitClass {
    /// The hotline service centre itself (市民热线服务中心).
    Centre,
    /// A district government (区政府).
    District,
    /// A street office or township government (街道办事处/乡镇政府).
    Street,
    /// A municipal or district department (委办局).
    Department,
    /// A public-service enterprise or platform company (水电气热、公交地铁…).
    Utility,
    /// A residents' or village committee (社区居委会/村委会): assists, never the main handler.
    Community,
}

impl UnitClass {
    pub const ALL: [UnitClass; 6] = [Self::Centre, Self::District, Self::Street, Self::Department, Self::Utility, Self::Community];

    pub fn code(self) -> &'static str {
        match self {
            Self::Centre => "centre",
            Self::District => "district",
            Self::Street => "street",
            Self::Department => "department",
            Self::Utility => "utility",
            Self::Community => "community",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Self::Centre, true) => "热线中心",
            (Self::District, true) => "区",
            (Self::Street, true) => "街道/乡镇",
            (Self::Department, true) => "委办局",
            (Self::Utility, true) => "公共服务企业",
            (Self::Community, true) => "社区/村",
            (Self::Centre, false) => "Hotline centre",
            (Self::District, false) => "District",
            (Self::Street, false) => "Street/township",
            (Self::Department, false) => "Department",
            (Self::Utility, false) => "Utility/enterprise",
            (Self::Community, false) => "Community",
        }
    }

    /// Whether an order may be dispatched to a unit of this class as its main handler. The centre
    /// does not handle its own orders, and communities only assist (Regulation Art. 17).
    pub fn can_lead(self) -> bool {
        matches!(self, Self::District | Self::Street | Self::Department | Self::Utility)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: UnitId,
    /// Official code (NBS division code for territorial units, an assigned code for the others).
    pub code: String,
    pub name: String,
    pub class: UnitClass,
    pub parent: Option<UnitId>,
}
