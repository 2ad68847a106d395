//! Work orders: numbering, creation with idempotency, guarded transitions, queries.

use async_trait::async_trait;
use chrono::NaiveDate;
use hotline_domain::{ActionKind, CaseId, EventDraft, EventPayload, OrderId, OrderNumber, State, Transition, UnitId, WorkOrder};
use hotline_store::{Created, Event, IdempotencyKey, ImportedOrder, OrderPage, OrderQuery, Result, StateCount, StoreError};
use sqlx::any::AnyArguments;
use sqlx::{Any, AnyConnection, Arguments};

use crate::rows::{
    EVENT_COLUMNS, EVENT_INSERT, EVENT_SELECT, ORDER_COLUMNS, ORDER_SELECT, bind_event, bind_order, conflict_or_backend, event_from_row,
    get, ms, order_from_row, values_list,
};
use crate::{SqlStore, backend_err};

/// The terminal states as an SQL list, from the domain's own rule ([`State::is_terminal`]).
static TERMINAL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let codes: Vec<String> = State::terminal().map(|s| format!("'{}'", s.code())).collect();
    format!("({})", codes.join(", "))
});

fn insert_sql() -> String {
    let cols = ORDER_COLUMNS.join(", ");
    let params = (3..3 + ORDER_COLUMNS.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    format!("insert into work_order (number, case_id, {cols}) values ($1, $2, {params}) returning order_id")
}

pub(crate) fn update_sql() -> String {
    let sets = ORDER_COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect::<Vec<_>>().join(", ");
    let n = ORDER_COLUMNS.len();
    // `case_id` is not in ORDER_COLUMNS (insert binds it apart) but a transition may change it (LinkDuplicate).
    format!(
        "update work_order set {sets}, case_id = ${} where order_id = ${} and version = ${} and state = ${}",
        n + 1,
        n + 2,
        n + 3,
        n + 4
    )
}

/// Writes the units that may see an order, from its current assignment. `replace` first removes the
/// previous ones (re-dispatch); a new order has none.
async fn write_order_units(conn: &mut AnyConnection, order: &WorkOrder, replace: bool) -> Result<()> {
    if replace {
        sqlx::query("delete from order_unit where order_id = $1").bind(order.id.0).execute(&mut *conn).await.map_err(backend_err)?;
    }
    let Some(a) = &order.assignment else { return Ok(()) };
    let mut rows: Vec<(UnitId, &str)> = Vec::new();
    for (unit, role) in
        std::iter::once((a.main_unit, "main")).chain(a.co_units.iter().map(|u| (*u, "co"))).chain(a.district_copy.map(|u| (u, "copy")))
    {
        if !rows.iter().any(|(u, _)| *u == unit) {
            rows.push((unit, role));
        }
    }
    let sql = format!("insert into order_unit (order_id, unit_id, role) values {}", values_list(3, rows.len()));
    let mut q = sqlx::query(&sql);
    for (unit, role) in &rows {
        q = q.bind(order.id.0).bind(unit.0).bind(*role);
    }
    q.execute(&mut *conn).await.map_err(|e| conflict_or_backend(e, "unknown unit in assignment"))?;
    Ok(())
}

/// Writes a transition on `conn` (inside the caller's transaction): the guarded update, the units
/// that may see the order when the assignment changed, the case merge of a linked duplicate, and
/// the event. `false`, having written nothing, when the order is no longer at the expected state
/// and version.
pub(crate) async fn write_transition(conn: &mut AnyConnection, t: &Transition) -> Result<bool> {
    let sql = update_sql();
    let q = bind_order(sqlx::query(&sql), &t.order)?
        .bind(t.order.case_id.0)
        .bind(t.order.id.0)
        .bind(t.expected_version)
        .bind(t.expected_state.code());
    let done = q.execute(&mut *conn).await.map_err(|e| conflict_or_backend(e, "invalid order"))?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    // Summoned departments join the co-units, so they see the order too.
    if matches!(t.event.kind(), ActionKind::Dispatch | ActionKind::Arbitrate | ActionKind::Summon) {
        write_order_units(&mut *conn, &t.order, true).await?;
    }
    // Linking an order that already has duplicates brings them along into the new case.
    if let EventPayload::LinkDuplicate(linked) = &t.event.payload
        && let Some(old_case) = linked.previous_case_id
    {
        sqlx::query("update work_order set case_id = $1 where case_id = $2")
            .bind(t.order.case_id.0)
            .bind(old_case.0)
            .execute(&mut *conn)
            .await
            .map_err(backend_err)?;
    }
    insert_events(&mut *conn, t.order.id, std::slice::from_ref(&t.event)).await?;
    Ok(true)
}

/// Appends events, all in one statement.
pub(crate) async fn insert_events(conn: &mut AnyConnection, order: OrderId, events: &[EventDraft]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let sql = format!("{EVENT_INSERT}{}", values_list(EVENT_COLUMNS, events.len()));
    let mut q = sqlx::query(&sql);
    for e in events {
        q = bind_event(q, order, e)?;
    }
    q.execute(&mut *conn).await.map_err(|e| conflict_or_backend(e, "unknown actor"))?;
    Ok(())
}

/// Numbers `order`, opens its case, inserts it with its events and unit links, on `conn` (inside the
/// caller's transaction). Returns the order as stored.
async fn insert_new(conn: &mut AnyConnection, order: &WorkOrder, events: &[EventDraft], local_date: NaiveDate) -> Result<WorkOrder> {
    let day = local_date.format("%Y%m%d").to_string();
    let row = sqlx::query(
        "insert into order_day_seq (day, seq) values ($1, 1) \
             on conflict (day) do update set seq = order_day_seq.seq + 1 returning seq",
    )
    .bind(day.as_str())
    .fetch_one(&mut *conn)
    .await
    .map_err(backend_err)?;
    let seq: i64 = get(&row, "seq")?;
    let mut stored = order.clone();
    // An order joins the case it was linked to at intake (a duplicate), else opens its own.
    if order.case_id == CaseId(0) {
        let row = sqlx::query("insert into order_case (opened_at) values ($1) returning case_id")
            .bind(ms(order.received_at))
            .fetch_one(&mut *conn)
            .await
            .map_err(backend_err)?;
        stored.case_id = CaseId(get(&row, "case_id")?);
    }
    stored.number = OrderNumber::compose(local_date, u64::try_from(seq).unwrap_or_default());
    let sql = insert_sql();
    let q = sqlx::query(&sql).bind(stored.number.as_str().to_owned()).bind(stored.case_id.0);
    let row = bind_order(q, &stored)?.fetch_one(&mut *conn).await.map_err(|e| conflict_or_backend(e, "invalid order"))?;
    stored.id = OrderId(get(&row, "order_id")?);
    write_order_units(&mut *conn, &stored, false).await?;
    insert_events(&mut *conn, stored.id, events).await?;
    Ok(stored)
}

/// Rows per multi-row statement of an import (under SQLite's 32,766 parameters for an order's 34).
const IMPORT_CHUNK: usize = 900;

/// The import's statements, inside the caller's transaction: the day counters moved once per day,
/// the new cases, the orders, their unit links and their events, each as a few multi-row inserts.
async fn import_rows(conn: &mut AnyConnection, rows: &[ImportedOrder], sqlite: bool) -> Result<()> {
    // Large statements: anonymous placeholders on SQLite (see `anonymous_values_list`).
    let values = |cols: usize, n: usize| if sqlite { crate::rows::anonymous_values_list(cols, n) } else { values_list(cols, n) };
    // Numbers: each day's counter moved by that day's orders at once.
    let mut days: Vec<(NaiveDate, i64)> = Vec::new();
    for r in rows {
        match days.iter_mut().find(|(d, _)| *d == r.local_date) {
            Some((_, n)) => *n += 1,
            None => days.push((r.local_date, 1)),
        }
    }
    let mut next: std::collections::HashMap<NaiveDate, i64> = std::collections::HashMap::new();
    for (day, n) in &days {
        let row = sqlx::query(
            "insert into order_day_seq (day, seq) values ($1, $2) \
             on conflict (day) do update set seq = order_day_seq.seq + $2 returning seq",
        )
        .bind(day.format("%Y%m%d").to_string())
        .bind(*n)
        .fetch_one(&mut *conn)
        .await
        .map_err(backend_err)?;
        next.insert(*day, get::<i64>(&row, "seq")? - n + 1);
    }
    let mut stored: Vec<WorkOrder> = Vec::with_capacity(rows.len());
    for r in rows {
        let seq = next.get_mut(&r.local_date).ok_or_else(|| StoreError::backend("a day without a counter"))?;
        let mut o = r.order.clone();
        o.number = OrderNumber::compose(r.local_date, u64::try_from(*seq).unwrap_or_default());
        *seq += 1;
        stored.push(o);
    }
    // Cases: one new case per order that opens its own. Which new id goes to which order does not
    // matter (each is fresh); they are handed out in the order they were made.
    let opening: Vec<usize> = stored.iter().enumerate().filter(|(_, o)| o.case_id == CaseId(0)).map(|(i, _)| i).collect();
    for chunk in opening.chunks(IMPORT_CHUNK * 4) {
        let sql = format!("insert into order_case (opened_at) values {} returning case_id", values(1, chunk.len()));
        let mut q = sqlx::query(&sql);
        for i in chunk {
            q = q.bind(ms(stored[*i].received_at));
        }
        let mut ids: Vec<i64> =
            q.fetch_all(&mut *conn).await.map_err(backend_err)?.iter().map(|r| get::<i64>(r, "case_id")).collect::<Result<_>>()?;
        if ids.len() != chunk.len() {
            return Err(StoreError::backend("fewer cases made than asked for"));
        }
        ids.sort_unstable();
        for (i, id) in chunk.iter().zip(ids) {
            stored[*i].case_id = CaseId(id);
        }
    }
    // Orders, matched back to their new ids by number.
    let cols = ORDER_COLUMNS.join(", ");
    for chunk in stored.chunks_mut(IMPORT_CHUNK) {
        let sql = format!(
            "insert into work_order (number, case_id, {cols}) values {} returning order_id, number",
            values(ORDER_COLUMNS.len() + 2, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for o in chunk.iter() {
            q = bind_order(q.bind(o.number.as_str().to_owned()).bind(o.case_id.0), o)?;
        }
        let made = q.fetch_all(&mut *conn).await.map_err(|e| conflict_or_backend(e, "invalid order"))?;
        let ids: std::collections::HashMap<String, i64> =
            made.iter().map(|r| Ok((get::<String>(r, "number")?, get::<i64>(r, "order_id")?))).collect::<Result<_>>()?;
        for o in chunk.iter_mut() {
            o.id = OrderId(*ids.get(o.number.as_str()).ok_or_else(|| StoreError::backend("an imported order came back without its id"))?);
        }
    }
    // Unit links.
    let mut links: Vec<(i64, i64, &str)> = Vec::new();
    for o in &stored {
        let Some(a) = &o.assignment else { continue };
        let mut seen: Vec<UnitId> = Vec::new();
        for (unit, role) in
            std::iter::once((a.main_unit, "main")).chain(a.co_units.iter().map(|u| (*u, "co"))).chain(a.district_copy.map(|u| (u, "copy")))
        {
            if !seen.contains(&unit) {
                seen.push(unit);
                links.push((o.id.0, unit.0, role));
            }
        }
    }
    for chunk in links.chunks(IMPORT_CHUNK * 4) {
        let sql = format!("insert into order_unit (order_id, unit_id, role) values {}", values(3, chunk.len()));
        let mut q = sqlx::query(&sql);
        for (order, unit, role) in chunk {
            q = q.bind(*order).bind(*unit).bind(*role);
        }
        q.execute(&mut *conn).await.map_err(|e| conflict_or_backend(e, "unknown unit in assignment"))?;
    }
    // Events.
    let events: Vec<(OrderId, &EventDraft)> = stored.iter().zip(rows).flat_map(|(o, r)| r.events.iter().map(move |e| (o.id, e))).collect();
    for chunk in events.chunks(IMPORT_CHUNK * 2) {
        let sql = format!("{EVENT_INSERT}{}", values(EVENT_COLUMNS, chunk.len()));
        let mut q = sqlx::query(&sql);
        for (order, e) in chunk {
            q = bind_event(q, *order, e)?;
        }
        q.execute(&mut *conn).await.map_err(|e| conflict_or_backend(e, "unknown actor"))?;
    }
    Ok(())
}

/// A dynamic `where` clause with numbered parameters, bound in the order they are pushed.
pub(crate) struct Filter {
    pub(crate) sql: String,
    pub(crate) args: AnyArguments<'static>,
    n: usize,
}

impl Filter {
    pub(crate) fn new() -> Self {
        Self { sql: String::from(" where 1 = 1"), args: AnyArguments::default(), n: 0 }
    }

    pub(crate) fn param<T>(&mut self, v: T) -> Result<String>
    where
        T: 'static + Send + sqlx::Encode<'static, Any> + sqlx::Type<Any>,
    {
        self.args.add(v).map_err(backend_err)?;
        self.n += 1;
        Ok(format!("${}", self.n))
    }

    pub(crate) fn params<T>(&mut self, vs: impl IntoIterator<Item = T>) -> Result<String>
    where
        T: 'static + Send + sqlx::Encode<'static, Any> + sqlx::Type<Any>,
    {
        let ps = vs.into_iter().map(|v| self.param(v)).collect::<Result<Vec<_>>>()?;
        Ok(ps.join(", "))
    }

    fn units(&mut self, units: &[UnitId]) -> Result<()> {
        if units.is_empty() {
            self.sql.push_str(" and 1 = 0");
        } else {
            let ps = self.params(units.iter().map(|u| u.0))?;
            self.sql.push_str(&format!(
                " and exists (select 1 from order_unit ou where ou.order_id = work_order.order_id and ou.unit_id in ({ps}))"
            ));
        }
        Ok(())
    }
}

impl SqlStore {
    async fn order_by_id(&self, conn: &mut AnyConnection, id: i64) -> Result<WorkOrder> {
        let row = sqlx::query(&format!("{ORDER_SELECT} where order_id = $1")).bind(id).fetch_one(&mut *conn).await.map_err(backend_err)?;
        order_from_row(&row)
    }

    async fn replay(&self, conn: &mut AnyConnection, key: Option<&IdempotencyKey>) -> Result<Option<WorkOrder>> {
        let Some(k) = key else { return Ok(None) };
        let row = sqlx::query("select order_id from idempotency_key where scope = $1 and idem_key = $2")
            .bind(k.scope.as_str())
            .bind(k.key.as_str())
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend_err)?;
        match row {
            Some(r) => Ok(Some(self.order_by_id(conn, get(&r, "order_id")?).await?)),
            None => Ok(None),
        }
    }

    /// One create in its own transaction.
    pub(crate) async fn try_create(
        &self,
        o: &WorkOrder,
        events: &[EventDraft],
        day: NaiveDate,
        key: Option<&IdempotencyKey>,
    ) -> Result<Created> {
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        let created = self.create_in(&mut tx, o, events, day, key).await?;
        tx.commit().await.map_err(backend_err)?;
        Ok(created)
    }

    /// Several creates in one transaction (group commit). All or nothing: on an error the caller
    /// retries each alone, so one bad order cannot fail the others.
    pub(crate) async fn create_batch(&self, jobs: &[crate::batch::CreateJob]) -> Result<Vec<Created>> {
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        let mut out = Vec::with_capacity(jobs.len());
        for j in jobs {
            out.push(self.create_in(&mut tx, &j.order, &j.events, j.local_date, j.key.as_ref()).await?);
        }
        tx.commit().await.map_err(backend_err)?;
        Ok(out)
    }

    /// The create steps, inside the caller's transaction: replay a known key, else insert.
    async fn create_in(
        &self,
        conn: &mut AnyConnection,
        order: &WorkOrder,
        events: &[EventDraft],
        local_date: NaiveDate,
        idempotency: Option<&IdempotencyKey>,
    ) -> Result<Created> {
        if let Some(order) = self.replay(conn, idempotency).await? {
            return Ok(Created { order, replayed: true });
        }
        let stored = insert_new(conn, order, events, local_date).await?;
        if let Some(k) = idempotency {
            sqlx::query("insert into idempotency_key (scope, idem_key, order_id, created_at) values ($1, $2, $3, $4)")
                .bind(k.scope.as_str())
                .bind(k.key.as_str())
                .bind(stored.id.0)
                .bind(ms(order.received_at))
                .execute(&mut *conn)
                .await
                .map_err(|e| conflict_or_backend(e, "idempotency key"))?;
        }
        Ok(Created { order: stored, replayed: false })
    }
}

#[async_trait]
impl hotline_store::OrderStore for SqlStore {
    async fn create_order(&self, o: &WorkOrder, events: &[EventDraft], day: NaiveDate, key: Option<&IdempotencyKey>) -> Result<Created> {
        if let Some(batcher) = &self.creates {
            return batcher.submit(o, events, day, key).await;
        }
        match self.try_create(o, events, day, key).await {
            // Two requests with one key raced (PostgreSQL): the loser returns the winner's order.
            Err(StoreError::Conflict(_)) if key.is_some() => {
                let mut conn = self.write.acquire().await.map_err(backend_err)?;
                match self.replay(&mut conn, key).await? {
                    Some(o) => Ok(Created { order: o, replayed: true }),
                    None => Err(StoreError::Conflict("order number taken".into())),
                }
            }
            other => other,
        }
    }

    async fn import_orders(&self, orders: &[ImportedOrder], progress: Option<(&str, &str)>) -> Result<usize> {
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        import_rows(&mut tx, orders, self.backend == crate::Backend::Sqlite).await?;
        if let Some((key, value)) = progress {
            sqlx::query("insert into setting (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await
                .map_err(backend_err)?;
        }
        tx.commit().await.map_err(backend_err)?;
        Ok(orders.len())
    }

    async fn apply_transition(&self, t: &Transition) -> Result<WorkOrder> {
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        if !write_transition(&mut tx, t).await? {
            return Err(StoreError::Conflict("the order was changed by someone else".into()));
        }
        tx.commit().await.map_err(backend_err)?;
        Ok(t.order.clone())
    }

    async fn append_event(&self, order: OrderId, event: &EventDraft) -> Result<()> {
        let mut conn = self.write.acquire().await.map_err(backend_err)?;
        insert_events(&mut conn, order, std::slice::from_ref(event)).await
    }

    async fn get_order(&self, number: &OrderNumber) -> Result<Option<WorkOrder>> {
        let row = sqlx::query(&format!("{ORDER_SELECT} where number = $1"))
            .bind(number.as_str())
            .fetch_optional(&self.read)
            .await
            .map_err(backend_err)?;
        row.as_ref().map(order_from_row).transpose()
    }

    async fn list_orders(&self, q: &OrderQuery) -> Result<OrderPage> {
        let mut f = Filter::new();
        if !q.states.is_empty() {
            let ps = f.params(q.states.iter().map(|s| s.code()))?;
            f.sql.push_str(&format!(" and state in ({ps})"));
        }
        if let Some(units) = &q.units {
            f.units(units)?;
        }
        if let Some(phone) = &q.phone {
            let p = f.param(phone.clone())?;
            f.sql.push_str(&format!(" and requester_phone = {p}"));
        }
        if let Some(street) = q.street {
            let p = f.param(street.0)?;
            f.sql.push_str(&format!(" and street_id = {p}"));
        }
        if let Some(s) = q.supervised {
            let p = f.param(i64::from(s))?;
            f.sql.push_str(&format!(" and supervised = {p}"));
        }
        if let Some(now) = q.overdue_at {
            let (a, b, c) = (f.param(ms(now))?, f.param(ms(now))?, f.param(ms(now))?);
            let terminal = &*TERMINAL;
            f.sql.push_str(&format!(
                " and state not in {terminal} and ((first_dispatched_at is null and dispatch_due < {a}) \
                 or (replied_at is null and reply_due < {b}) or (contacted_at is null and contact_due < {c}))"
            ));
        }
        // Time windows: [from, before) on when an order was received and last changed.
        for (column, op, bound) in [
            ("received_at", ">=", q.received_from),
            ("received_at", "<", q.received_before),
            ("updated_at", ">=", q.updated_from),
            ("updated_at", "<", q.updated_before),
        ] {
            if let Some(t) = bound {
                let p = f.param(ms(t))?;
                f.sql.push_str(&format!(" and {column} {op} {p}"));
            }
        }
        if !q.categories.is_empty() {
            // The category, or before triage the service an Open311 request was posted under.
            let ps = f.params(q.categories.clone())?;
            f.sql.push_str(&format!(" and coalesce(category, submitted_service) in ({ps})"));
        }
        if !q.numbers.is_empty() {
            let ps = f.params(q.numbers.clone())?;
            f.sql.push_str(&format!(" and number in ({ps})"));
        }
        let limit = q.limit.clamp(1, 1000);
        let (l, o) = (f.param(i64::from(limit) + 1)?, f.param(i64::from(q.offset))?);
        let sql = format!("{ORDER_SELECT}{} order by received_at desc, order_id desc limit {l} offset {o}", f.sql);
        let rows = sqlx::query_with(&sql, f.args).fetch_all(&self.read).await.map_err(backend_err)?;
        let mut orders = rows.iter().map(order_from_row).collect::<Result<Vec<_>>>()?;
        let has_more = orders.len() > limit as usize;
        orders.truncate(limit as usize);
        Ok(OrderPage { orders, has_more })
    }

    async fn count_by_state(&self, units: Option<&[UnitId]>) -> Result<Vec<StateCount>> {
        let mut f = Filter::new();
        if let Some(units) = units {
            f.units(units)?;
        }
        let sql = format!("select state, count(*) as n from work_order{} group by state", f.sql);
        let rows = sqlx::query_with(&sql, f.args).fetch_all(&self.read).await.map_err(backend_err)?;
        let mut counts = rows
            .iter()
            .map(|r| {
                let state: String = get(r, "state")?;
                Ok(StateCount { state: State::parse(&state).map_err(backend_err)?, count: get(r, "n")? })
            })
            .collect::<Result<Vec<_>>>()?;
        counts.sort_by_key(|c| c.state);
        Ok(counts)
    }

    async fn order_events(&self, order: OrderId) -> Result<Vec<Event>> {
        let rows = sqlx::query(&format!("{EVENT_SELECT} where order_id = $1 order by event_id"))
            .bind(order.0)
            .fetch_all(&self.read)
            .await
            .map_err(backend_err)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn events_of_orders(&self, orders: &[OrderId]) -> Result<Vec<(OrderId, Event)>> {
        if orders.is_empty() {
            return Ok(Vec::new());
        }
        let orders = &orders[..orders.len().min(1000)];
        let marks = (1..=orders.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("{} where order_id in ({marks}) order by order_id, event_id", EVENT_SELECT);
        let mut q = sqlx::query(&sql);
        for o in orders {
            q = q.bind(o.0);
        }
        let rows = q.fetch_all(&self.read).await.map_err(backend_err)?;
        rows.iter().map(|r| Ok((OrderId(get(r, "order_id")?), event_from_row(r)?))).collect()
    }

    async fn case_orders(&self, case: CaseId, limit: u32) -> Result<Vec<WorkOrder>> {
        let rows = sqlx::query(&format!("{ORDER_SELECT} where case_id = $1 order by order_id desc limit $2"))
            .bind(case.0)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(backend_err)?;
        rows.iter().map(order_from_row).collect()
    }

    async fn callback_queue(&self, now: hotline_domain::Timestamp, limit: u32, offset: u32) -> Result<OrderPage> {
        let limit = limit.clamp(1, 1000);
        let rows = sqlx::query(&format!(
            "{ORDER_SELECT} where callback_since is not null and callback_since <= $1 order by callback_since, order_id limit $2 offset $3"
        ))
        .bind(ms(now))
        .bind(i64::from(limit) + 1)
        .bind(i64::from(offset))
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        let mut orders = rows.iter().map(order_from_row).collect::<Result<Vec<_>>>()?;
        let has_more = orders.len() > limit as usize;
        orders.truncate(limit as usize);
        Ok(OrderPage { orders, has_more })
    }
}
