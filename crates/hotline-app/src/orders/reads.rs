//! Reading orders as one principal may see them: visibility by unit, views with contacts masked
//! where the role requires it, lists, counts, and a citizen's tracking.

use hotline_domain::{DeadlinePolicy, OrderNumber, Role, State, UnitId, WorkOrder};
use hotline_store::OrderQuery;

use super::{CASE_ORDERS_SHOWN, ListInput, OrderDetail, OrderList, invalid};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::views::{EventView, OrderView, PublicOrderView, masked_for, order_view};

impl App {
    /// The units whose orders `who` may see: `None` means all (centre roles).
    pub(crate) fn visible_units(&self, who: &Principal) -> Option<Vec<UnitId>> {
        match who.role {
            Role::UnitHandler => Some(who.unit.into_iter().collect()),
            Role::UnitAdmin => Some(who.unit.map(|u| self.units().subtree(u)).unwrap_or_default()),
            // A client system sees no unit's orders: only those it submitted (`can_see`).
            Role::Open311Client => Some(Vec::new()),
            _ => None,
        }
    }

    pub(crate) fn can_see(&self, who: &Principal, order: &WorkOrder) -> bool {
        if who.role == Role::Open311Client {
            return order.created_by == Some(who.user_id);
        }
        match self.visible_units(who) {
            None => true,
            Some(units) => order.assignment.as_ref().is_some_and(|a| a.units().any(|u| units.contains(&u))),
        }
    }

    pub(crate) fn view(&self, who: &Principal, order: &WorkOrder, policy: &DeadlinePolicy) -> OrderView {
        let mut view =
            order_view(order, &self.units(), masked_for(Some(who.role)), self.clock.now(), self.allowed_actions(who, order, policy));
        view.dispute_until = order.dispute_deadline(policy);
        view
    }

    pub(crate) async fn visible_order(&self, who: &Principal, number: &str) -> AppResult<WorkOrder> {
        let number = OrderNumber::parse(number)?;
        match self.orders().get_order(&number).await? {
            Some(o) if self.can_see(who, &o) => Ok(o),
            // Not visible is reported as not found, so unit users cannot probe other units' numbers.
            _ => Err(AppError::NotFound { what: "order" }),
        }
    }

    pub async fn order_detail(&self, who: &Principal, number: &str) -> AppResult<OrderDetail> {
        let order = self.visible_order(who, number).await?;
        let events = self.orders().order_events(order.id).await?;
        let case_orders: Vec<String> = if who.role.is_unit_role() || who.role == Role::Open311Client {
            Vec::new()
        } else {
            let others = self.orders().case_orders(order.case_id, CASE_ORDERS_SHOWN + 1).await?;
            others.into_iter().filter(|o| o.id != order.id).take(CASE_ORDERS_SHOWN as usize).map(|o| o.number.to_string()).collect()
        };
        let policy = self.policy().await?;
        Ok(OrderDetail { order: self.view(who, &order, &policy), timeline: events.iter().map(EventView::of).collect(), case_orders })
    }

    pub async fn list_orders(&self, who: &Principal, input: &ListInput) -> AppResult<OrderList> {
        let mut states = Vec::new();
        for s in input.state.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
            states.push(State::parse(s).map_err(|_| invalid("state", "unknown_code", "状态代码不存在", "Unknown state code"))?);
        }
        let phone = match input.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => Some(hotline_domain::text::Phone::parse(p)?.as_str().to_owned()),
            None => None,
        };
        // Searching by a full number would undo the masking of roles that do not see contacts.
        if phone.is_some() && !who.role.sees_contacts() {
            return Err(AppError::forbidden("您的角色不能按电话查询", "Your role cannot search by phone number"));
        }
        let mut units = self.visible_units(who);
        if let Some(u) = input.unit {
            let u = UnitId(u);
            if units.as_ref().is_some_and(|vis| !vis.contains(&u)) {
                return Err(AppError::forbidden("不能查看其他单位的工单", "You cannot list another unit's orders"));
            }
            units = Some(vec![u]);
        }
        let now = self.clock.now();
        let q = OrderQuery {
            states,
            units,
            phone,
            street: None,
            supervised: input.supervised,
            overdue_at: input.overdue.filter(|o| *o).map(|_| now),
            limit: input.limit.unwrap_or(50).clamp(1, 500),
            offset: input.offset.unwrap_or(0).min(100_000),
            ..OrderQuery::default()
        };
        let page = self.orders().list_orders(&q).await?;
        let policy = self.policy().await?;
        Ok(OrderList { orders: page.orders.iter().map(|o| self.view(who, o, &policy)).collect(), has_more: page.has_more })
    }

    /// A citizen tracks an order by its number and the phone it was filed with. A wrong pair is
    /// "not found", never "wrong phone", so numbers cannot be probed. For callers without a client
    /// address (tests); the HTTP entry points use [`App::track_public_from`].
    pub async fn track_public(&self, number: &str, phone: &str) -> AppResult<PublicOrderView> {
        self.track_public_from(number, phone, None).await
    }

    /// Tracking from `client`. Guessing is slowed per client and per client and phone (one phone
    /// tried against many numbers, to find a person's orders), never per order number: someone
    /// else's wrong guesses cannot lock the owner out of her order.
    pub async fn track_public_from(&self, number: &str, phone: &str, client: Option<std::net::IpAddr>) -> AppResult<PublicOrderView> {
        let number = OrderNumber::parse(number)?;
        let phone = hotline_domain::text::Phone::parse(phone)?;
        let now = self.clock.now();
        let client_key = client.map_or_else(|| "unknown".to_owned(), |c| c.to_string());
        let phone_key = format!("{client_key}|{}", phone.as_str());
        let g = &self.guards;
        if let Some(wait) =
            [g.track_client.check(&client_key, now), g.track_phone.check(&phone_key, now)].into_iter().filter_map(Result::err).max()
        {
            return Err(AppError::TooManyAttempts { retry_after_secs: wait });
        }
        let order = self.orders().get_order(&number).await?.filter(|o| o.requester.phone.as_ref() == Some(&phone));
        let Some(order) = order else {
            g.track_client.fail(&client_key, now);
            g.track_phone.fail(&phone_key, now);
            return Err(AppError::NotFound { what: "order" });
        };
        // A requester who asked for confidentiality (保密) may be recognised by what was written:
        // tracking shows the state and the steps, as Open311 does, without the texts.
        let withheld = order.requester.confidential;
        let events = self.orders().order_events(order.id).await?;
        Ok(PublicOrderView {
            number: order.number.to_string(),
            state: order.state,
            received_at: order.received_at,
            description: if withheld { crate::views::WITHHELD_TEXT.to_owned() } else { order.description.clone() },
            handling_unit: order.assignment.as_ref().map(|a| crate::views::UnitRef::of(&self.units(), a.main_unit).name),
            reply: order.reply.as_ref().map(|r| crate::views::ReplyView {
                outcome: r.outcome.code().into(),
                text: if withheld { crate::views::WITHHELD_TEXT.to_owned() } else { r.text.clone() },
            }),
            timeline: events
                .iter()
                .filter_map(EventView::public)
                .map(|mut e| {
                    if withheld {
                        e.payload = None;
                        e.reason = None;
                    }
                    e
                })
                .collect(),
            // The tracker proved the phone: they may rate the reply here instead of waiting for a call.
            rating_link: if order.state == State::Replied { Some(self.rating_link(&order).await?) } else { None },
        })
    }

    /// Counts per state, for the queue and inbox headers.
    pub async fn state_counts(&self, who: &Principal) -> AppResult<Vec<(State, i64)>> {
        let units = self.visible_units(who);
        Ok(self.orders().count_by_state(units.as_deref()).await?.into_iter().map(|c| (c.state, c.count)).collect())
    }
}
