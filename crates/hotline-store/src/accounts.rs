//! Staff accounts and their credentials (sessions and API tokens, stored as hashes).

use async_trait::async_trait;
use hotline_domain::{Role, Timestamp, UnitId, UserId};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Option<UnitId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Option<UnitId>,
    pub password_hash: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// A browser session (cookie), expires.
    Session,
    /// A machine token (Bearer), until revoked.
    ApiToken,
}

/// A credential to store: only the hash of its secret, never the secret.
#[derive(Debug, Clone, Copy)]
pub struct NewCredential<'a> {
    pub token_hash: &'a str,
    pub kind: CredentialKind,
    pub user: UserId,
    pub name: &'a str,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
}

/// A stored credential, without its secret (which is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialInfo {
    pub token_hash: String,
    pub name: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
}

/// Staff accounts and their credentials (sessions and API tokens, stored as hashes).
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// `Conflict` when the username is taken.
    async fn insert_user(&self, user: &NewUser, now: Timestamp) -> Result<User>;
    /// The user and their password hash.
    async fn find_user_by_username(&self, username: &str) -> Result<Option<(User, String)>>;
    async fn list_users(&self) -> Result<Vec<User>>;
    async fn insert_credential(&self, credential: &NewCredential<'_>) -> Result<()>;
    /// The active user a session or token hash belongs to, if it has not expired at `now`.
    async fn find_credential(&self, token_hash: &str, now: Timestamp) -> Result<Option<(User, CredentialKind)>>;
    async fn delete_credential(&self, token_hash: &str) -> Result<()>;
    /// A user's credentials of one kind, newest first.
    async fn list_credentials(&self, user: UserId, kind: CredentialKind) -> Result<Vec<CredentialInfo>>;
}
