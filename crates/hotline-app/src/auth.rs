//! Authentication: argon2 password hashes, server-side sessions and API tokens (both stored only as
//! SHA-256 hashes of a random secret), and the [`Principal`] every use case is called with.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use hotline_domain::{Actor, Role, UnitId, UserId, ValidationError};
use hotline_store::{CredentialKind, NewCredential, NewUser, User};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::App;
use crate::error::{AppError, AppResult};

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Principal {
    #[schema(value_type = i64)]
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = String)]
    pub role: Role,
    #[schema(value_type = Option<i64>)]
    pub unit: Option<UnitId>,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor { user_id: Some(self.user_id), role: Some(self.role), unit: self.unit, unit_class: None, name: self.display_name.clone() }
    }
}

impl From<User> for Principal {
    fn from(u: User) -> Self {
        Self { user_id: u.id, username: u.username, display_name: u.display_name, role: u.role, unit: u.unit }
    }
}

/// How long an API token lives.
pub const API_TOKEN_DAYS: i64 = 90;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiTokenInfo {
    /// What `DELETE /api/v1/tokens/{id}` takes.
    pub id: String,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A new session: the secret goes into the cookie and nowhere else.
pub struct Session {
    pub token: String,
    pub principal: Principal,
    pub max_age_secs: i64,
}

/// An id for an uploaded file: 128 random bits as 32 hex characters.
pub(crate) fn random_media_id() -> AppResult<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| AppError::bug(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

pub(crate) fn random_secret() -> AppResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::bug(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// What is stored for a secret: its SHA-256 (secrets are random, so no salt or slow hash is needed).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit: Option<i64>,
    pub password: String,
}

impl App {
    fn argon2(&self) -> Argon2<'static> {
        let params = Params::new(self.config.argon2_memory_kib, self.config.argon2_iterations, 1, None).unwrap_or_default();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// Whether `password` matches `stored` (with no stored hash, a dummy hash is computed and the
    /// answer is no). Runs on the blocking pool, at most [`crate::throttle::Guards::hashing`]
    /// at once; when too many wait, the caller is told to retry rather than queue without end.
    async fn check_password(&self, password: &str, stored: Option<String>) -> AppResult<bool> {
        use std::sync::atomic::Ordering;
        let g = &self.guards;
        if g.hash_queue.fetch_add(1, Ordering::SeqCst) >= crate::throttle::MAX_HASH_QUEUE {
            g.hash_queue.fetch_sub(1, Ordering::SeqCst);
            tracing::warn!("password checks saturated; a login is told to retry");
            return Err(AppError::Busy { retry_after_secs: 1 });
        }
        // Leaves the queue when the permit comes or the request is dropped while waiting.
        struct Queued<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Queued<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let queued = Queued(&g.hash_queue);
        let permit = g.hashing.acquire().await;
        drop(queued);
        let _permit = permit.map_err(AppError::internal)?;
        let argon2 = self.argon2();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || -> AppResult<bool> {
            let Some(stored) = stored else {
                let salt = SaltString::encode_b64(&[0u8; 16]).map_err(|e| AppError::bug(e.to_string()))?;
                let _ = argon2.hash_password(password.as_bytes(), &salt);
                return Ok(false);
            };
            let parsed = PasswordHash::new(&stored).map_err(|e| AppError::bug(format!("stored hash unreadable: {e}")))?;
            Ok(argon2.verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
        .map_err(AppError::internal)?
    }

    pub fn hash_password(&self, password: &str) -> AppResult<String> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| AppError::bug(format!("no randomness: {e}")))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::bug(e.to_string()))?;
        Ok(self.argon2().hash_password(password.as_bytes(), &salt).map_err(|e| AppError::bug(e.to_string()))?.to_string())
    }

    /// Password login; returns a fresh session. For callers without a client address (tests,
    /// the CLI); the HTTP entry points use [`App::login_from`].
    pub async fn login(&self, username: &str, password: &str) -> AppResult<Session> {
        self.login_from(username, password, None).await
    }

    /// Password login from `client`: failures slow down that account from that client, the
    /// client over all accounts and (gently, so no one can lock a colleague out) the account
    /// over all clients (the rules are in `throttle::Guards`). The slow hash runs off the async
    /// threads, a bounded number at once.
    pub async fn login_from(&self, username: &str, password: &str, client: Option<std::net::IpAddr>) -> AppResult<Session> {
        let now = self.clock.now();
        let account = username.trim().to_lowercase();
        let client_key = client.map(|c| c.to_string());
        let pair_key = client_key.as_ref().map(|c| format!("{account}|{c}"));
        let g = &self.guards;
        let paused = [
            pair_key.as_deref().map(|k| g.login_pair.check(k, now)),
            client_key.as_deref().map(|k| g.login_client.check(k, now)),
            Some(g.login_account.check(&account, now)),
        ];
        if let Some(wait) = paused.into_iter().flatten().filter_map(Result::err).max() {
            tracing::warn!(?client, "login refused while paused after failures");
            return Err(AppError::TooManyAttempts { retry_after_secs: wait });
        }
        let found = self.accounts().find_user_by_username(username.trim()).await?;
        // A missing user costs the same hash as a real check, so usernames cannot be probed by timing.
        let stored = found.as_ref().map(|(_, hash)| hash.clone());
        let ok = self.check_password(password, stored).await?;
        let Some((user, _)) = found.filter(|_| ok) else {
            if let Some(k) = &pair_key {
                g.login_pair.fail(k, now);
            }
            if let Some(k) = &client_key {
                g.login_client.fail(k, now);
            }
            g.login_account.fail(&account, now);
            return Err(AppError::BadCredentials);
        };
        if let Some(k) = &pair_key {
            g.login_pair.clear(k);
        }
        let token = random_secret()?;
        let now = self.clock.now();
        let max_age_secs = self.config.session_hours * 3600;
        let expires = now + chrono::Duration::seconds(max_age_secs);
        let hash = token_hash(&token);
        let credential = NewCredential {
            token_hash: &hash,
            kind: CredentialKind::Session,
            user: user.id,
            name: "session",
            created_at: now,
            expires_at: Some(expires),
        };
        self.accounts().insert_credential(&credential).await?;
        tracing::info!(user = %user.username, "logged in");
        Ok(Session { token, principal: user.into(), max_age_secs })
    }

    pub async fn logout(&self, token: &str) -> AppResult<()> {
        let hash = token_hash(token);
        self.credentials.forget(&hash, self.clock.now());
        Ok(self.accounts().delete_credential(&hash).await?)
    }

    /// The principal a session cookie or API token belongs to.
    pub async fn authenticate(&self, token: &str) -> AppResult<Principal> {
        if token.is_empty() || token.len() > 200 {
            return Err(AppError::Unauthenticated);
        }
        let hash = token_hash(token);
        let now = self.clock.now();
        if let Some(p) = self.credentials.get(&hash, now) {
            return Ok(p);
        }
        match self.accounts().find_credential(&hash, now).await? {
            Some((user, _)) => {
                let p = Principal::from(user);
                self.credentials.put(hash, p.clone(), now);
                Ok(p)
            }
            None => Err(AppError::Unauthenticated),
        }
    }

    /// Issues an API token for the caller's own account (machines act as the user who made them). It
    /// expires after [`API_TOKEN_DAYS`] and can be revoked before.
    pub async fn create_api_token(&self, who: &Principal, name: &str) -> AppResult<String> {
        let name = hotline_domain::text::bounded("name", name, 1, 100)?;
        let token = format!("hl_{}", random_secret()?);
        let now = self.clock.now();
        let expires = now + chrono::Duration::days(API_TOKEN_DAYS);
        let hash = token_hash(&token);
        let credential = NewCredential {
            token_hash: &hash,
            kind: CredentialKind::ApiToken,
            user: who.user_id,
            name: &name,
            created_at: now,
            expires_at: Some(expires),
        };
        self.accounts().insert_credential(&credential).await?;
        Ok(token)
    }

    /// The caller's API tokens (never the secrets; `id` is the stored hash).
    pub async fn list_api_tokens(&self, who: &Principal) -> AppResult<Vec<ApiTokenInfo>> {
        let tokens = self.accounts().list_credentials(who.user_id, CredentialKind::ApiToken).await?;
        Ok(tokens
            .into_iter()
            .map(|t| ApiTokenInfo { id: t.token_hash, name: t.name, created_at: t.created_at, expires_at: t.expires_at })
            .collect())
    }

    /// Revokes one of the caller's API tokens by its id.
    pub async fn revoke_api_token(&self, who: &Principal, id: &str) -> AppResult<()> {
        let mine = self.accounts().list_credentials(who.user_id, CredentialKind::ApiToken).await?;
        if !mine.iter().any(|t| t.token_hash == id) {
            return Err(AppError::NotFound { what: "token" });
        }
        self.credentials.forget(id, self.clock.now());
        Ok(self.accounts().delete_credential(id).await?)
    }

    /// Every staff account (system administrators only).
    pub async fn users(&self, who: &Principal) -> AppResult<Vec<Principal>> {
        if who.role != Role::Admin {
            return Err(AppError::forbidden("只有系统管理员可以查看账号", "Only a system admin may list accounts"));
        }
        Ok(self.accounts().list_users().await?.into_iter().map(Principal::from).collect())
    }

    /// Creates a staff account. Only system administrators may; unit roles need a unit.
    pub async fn create_user(&self, who: Option<&Principal>, input: &NewUserInput) -> AppResult<Principal> {
        if who.is_some_and(|p| p.role != Role::Admin) {
            return Err(AppError::forbidden("只有系统管理员可以创建账号", "Only a system admin may create accounts"));
        }
        let username = hotline_domain::text::bounded("username", &input.username, 3, 40)?;
        if !username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
            return Err(ValidationError::new(
                "username",
                "invalid_username",
                "用户名只能含字母、数字、_ - .",
                "A username holds letters, digits, _ - . only",
            )
            .into());
        }
        let display_name = hotline_domain::text::bounded("display_name", &input.display_name, 1, 50)?;
        let role = Role::parse(&input.role)
            .ok_or_else(|| ValidationError::new("role", "unknown_code", "角色不存在", format!("Unknown role {:?}", input.role)))?;
        let pw_len = input.password.chars().count();
        if !(8..=128).contains(&pw_len) {
            return Err(ValidationError::new(
                "password",
                "weak_password",
                "密码长度须为 8 到 128 个字符",
                "A password has 8 to 128 characters",
            )
            .into());
        }
        let unit = match input.unit {
            Some(id) => Some(
                self.units()
                    .get(UnitId(id))
                    .map(|u| u.id)
                    .ok_or_else(|| ValidationError::new("unit", "unknown_unit", "所选单位不存在", "The unit does not exist"))?,
            ),
            None => None,
        };
        if role.is_unit_role() && unit.is_none() {
            return Err(ValidationError::new("unit", "unit_required", "承办单位账号须指定单位", "A unit account needs a unit").into());
        }
        let hash = self.hash_password(&input.password)?;
        let user = self
            .accounts()
            .insert_user(&NewUser { username, display_name, role, unit, password_hash: hash }, self.clock.now())
            .await
            .map_err(|e| match e {
                hotline_store::StoreError::Conflict(_) => {
                    AppError::Validation(ValidationError::new("username", "username_taken", "用户名已被使用", "The username is taken"))
                }
                other => other.into(),
            })?;
        Ok(user.into())
    }
}

/// Recently checked credentials, so a busy client is not looked up in the database on every request.
/// Entries live [`CredentialCache::TTL_SECS`]: a session ended or a token revoked on another node
/// stops working within that time; on this node at once (a forgotten hash is not cached again
/// during the TTL, so a lookup racing the logout cannot bring it back).
#[derive(Default)]
pub(crate) struct CredentialCache(std::sync::Mutex<CacheState>);

#[derive(Default)]
pub(crate) struct CacheState {
    live: std::collections::HashMap<String, (Principal, hotline_domain::Timestamp)>,
    revoked: std::collections::HashMap<String, hotline_domain::Timestamp>,
}

impl CredentialCache {
    const TTL_SECS: i64 = 10;
    const MAX_ENTRIES: usize = 10_000;

    fn fresh(at: hotline_domain::Timestamp, now: hotline_domain::Timestamp) -> bool {
        (now - at).num_seconds().abs() < Self::TTL_SECS
    }

    fn get(&self, hash: &str, now: hotline_domain::Timestamp) -> Option<Principal> {
        let state = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.live.get(hash).filter(|(_, at)| Self::fresh(*at, now)).map(|(p, _)| p.clone())
    }

    fn put(&self, hash: String, p: Principal, now: hotline_domain::Timestamp) {
        let mut state = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.revoked.get(&hash).is_some_and(|at| Self::fresh(*at, now)) {
            return;
        }
        if state.live.len() >= Self::MAX_ENTRIES {
            state.live.retain(|_, (_, at)| Self::fresh(*at, now));
            state.revoked.retain(|_, at| Self::fresh(*at, now));
            if state.live.len() >= Self::MAX_ENTRIES {
                state.live.clear();
            }
        }
        state.live.insert(hash, (p, now));
    }

    fn forget(&self, hash: &str, now: hotline_domain::Timestamp) {
        let mut state = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.live.remove(hash);
        state.revoked.insert(hash.to_owned(), now);
    }
}
