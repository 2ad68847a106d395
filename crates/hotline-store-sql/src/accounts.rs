//! Staff accounts and credentials (sessions and API tokens stored as SHA-256 hashes).

use async_trait::async_trait;
use hotline_domain::{Role, Timestamp, UnitId, UserId};
use hotline_store::{AccountStore, CredentialInfo, CredentialKind, NewCredential, NewUser, Result, StoreError, User};
use sqlx::any::AnyRow;

use crate::rows::{conflict_or_backend, get, get_opt_time, get_time, ms, opt_ms};
use crate::{SqlStore, backend_err};

fn user_from_row(row: &AnyRow) -> Result<User> {
    let role: String = get(row, "role")?;
    Ok(User {
        id: UserId(get(row, "user_id")?),
        username: get(row, "username")?,
        display_name: get(row, "display_name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::backend(format!("unknown role {role}")))?,
        unit: get::<Option<i64>>(row, "unit_id")?.map(UnitId),
    })
}

const USER_COLUMNS: &str = "u.user_id, u.username, u.display_name, u.role, u.unit_id";

fn kind_code(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::Session => "session",
        CredentialKind::ApiToken => "api_token",
    }
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn insert_user(&self, u: &NewUser, now: Timestamp) -> Result<User> {
        let row = sqlx::query(
            "insert into app_user (username, display_name, role, unit_id, password_hash, created_at) \
             values ($1, $2, $3, $4, $5, $6) returning user_id",
        )
        .bind(u.username.as_str())
        .bind(u.display_name.as_str())
        .bind(u.role.code())
        .bind(u.unit.map(|x| x.0))
        .bind(u.password_hash.as_str())
        .bind(ms(now))
        .fetch_one(&self.write)
        .await
        .map_err(|e| conflict_or_backend(e, "username is taken"))?;
        Ok(User {
            id: UserId(get(&row, "user_id")?),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            unit: u.unit,
        })
    }

    async fn find_user_by_username(&self, username: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(&format!("select {USER_COLUMNS}, u.password_hash from app_user u where u.username = $1 and u.active = 1"))
            .bind(username)
            .fetch_optional(&self.read)
            .await
            .map_err(backend_err)?;
        row.map(|r| Ok((user_from_row(&r)?, get(&r, "password_hash")?))).transpose()
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!("select {USER_COLUMNS} from app_user u order by u.user_id"))
            .fetch_all(&self.read)
            .await
            .map_err(backend_err)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn insert_credential(&self, c: &NewCredential<'_>) -> Result<()> {
        sqlx::query("insert into credential (token_hash, kind, user_id, name, created_at, expires_at) values ($1, $2, $3, $4, $5, $6)")
            .bind(c.token_hash)
            .bind(kind_code(c.kind))
            .bind(c.user.0)
            .bind(c.name)
            .bind(ms(c.created_at))
            .bind(opt_ms(c.expires_at))
            .execute(&self.write)
            .await
            .map_err(|e| conflict_or_backend(e, "credential exists"))?;
        Ok(())
    }

    async fn find_credential(&self, token_hash: &str, now: Timestamp) -> Result<Option<(User, CredentialKind)>> {
        let row = sqlx::query(&format!(
            "select {USER_COLUMNS}, c.kind from credential c join app_user u on u.user_id = c.user_id \
             where c.token_hash = $1 and u.active = 1 and (c.expires_at is null or c.expires_at > $2)"
        ))
        .bind(token_hash)
        .bind(ms(now))
        .fetch_optional(&self.read)
        .await
        .map_err(backend_err)?;
        row.map(|r| {
            let kind: String = get(&r, "kind")?;
            let kind = if kind == "session" { CredentialKind::Session } else { CredentialKind::ApiToken };
            Ok((user_from_row(&r)?, kind))
        })
        .transpose()
    }

    async fn delete_credential(&self, token_hash: &str) -> Result<()> {
        sqlx::query("delete from credential where token_hash = $1").bind(token_hash).execute(&self.write).await.map_err(backend_err)?;
        Ok(())
    }

    async fn list_credentials(&self, user: UserId, kind: CredentialKind) -> Result<Vec<CredentialInfo>> {
        let rows = sqlx::query(
            "select token_hash, name, created_at, expires_at from credential where user_id = $1 and kind = $2 order by created_at desc, token_hash",
        )
        .bind(user.0)
        .bind(kind_code(kind))
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        rows.iter()
            .map(|r| {
                Ok(CredentialInfo {
                    token_hash: get(r, "token_hash")?,
                    name: get(r, "name")?,
                    created_at: get_time(r, "created_at")?,
                    expires_at: get_opt_time(r, "expires_at")?,
                })
            })
            .collect()
    }
}
