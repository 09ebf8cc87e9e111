//! The seam where a payment processor plugs in. The built-in sandbox behaves like a card
//! processor's test mode, keeps its records in the database (so retries are answered the same on
//! every server instance), and never sees more than it needs.
//!
//! Sandbox test cards:
//! - 4242 4242 4242 4242 — saved, charges succeed
//! - 4000 0000 0000 0002 — refused when saved: `card_declined`
//! - 4000 0000 0000 9995 — refused when saved: `insufficient_funds`
//! - 4000 0000 0000 0341 — saved, every charge fails with `card_declined`
//! - any other valid card — behaves like 4242

use super::card::ValidCard;
use crate::backend::ids::new_id;
use crate::backend::{Db, Timestamp};
use crate::common::{AppError, ErrorKind};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

pub type GatewayFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a processor refused, as a stable code the UI explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeclineCode {
    CardDeclined,
    InsufficientFunds,
}

impl DeclineCode {
    pub fn as_str(self) -> &'static str {
        match self {
            DeclineCode::CardDeclined => "card_declined",
            DeclineCode::InsufficientFunds => "insufficient_funds",
        }
    }

    pub fn parse(code: &str) -> Option<DeclineCode> {
        match code {
            "card_declined" => Some(DeclineCode::CardDeclined),
            "insufficient_funds" => Some(DeclineCode::InsufficientFunds),
            _ => None,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            DeclineCode::CardDeclined => {
                "The card was declined. Try another card or payment method."
            }
            DeclineCode::InsufficientFunds => {
                "The card has insufficient funds. Try another card or payment method."
            }
        }
    }
}

/// A card the processor holds for us: we keep only the token and display details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardToken {
    pub token: String,
    /// The same card number always gets the same fingerprint (as a processor's card fingerprint):
    /// one free trial per card (subscriptions/trials.rs). None for billing agreements.
    pub fingerprint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ChargeRequest {
    pub token: String,
    pub amount: i64,
    pub currency: String,
    /// The same key always yields the same charge: a retry never charges twice.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded {
        charge_id: String,
    },
    Failed {
        charge_id: String,
        code: DeclineCode,
    },
}

pub trait PaymentGateway: Send + Sync + std::fmt::Debug {
    /// Exchanges card details for a reusable token, or refuses the card.
    fn tokenize_card<'a>(
        &'a self,
        card: &'a ValidCard,
    ) -> GatewayFuture<'a, Result<CardToken, GatewayError>>;

    /// A PayPal-style account the holder approved becomes a reusable billing agreement token.
    fn create_billing_agreement(&self) -> GatewayFuture<'_, Result<CardToken, AppError>>;

    /// Charges a token. Idempotent by `idempotency_key`.
    fn charge(&self, request: ChargeRequest) -> GatewayFuture<'_, Result<ChargeOutcome, AppError>>;
}

#[derive(Debug)]
pub enum GatewayError {
    Declined(DeclineCode),
    Failed(AppError),
}

impl From<sqlx::Error> for GatewayError {
    fn from(e: sqlx::Error) -> Self {
        GatewayError::Failed(e.into())
    }
}

/// The built-in processor of test mode.
#[derive(Debug, Clone)]
pub struct SandboxGateway {
    db: Db,
    clock: crate::backend::Clock,
}

/// What a sandbox card does when charged.
const BEHAVIOUR_SUCCEED: &str = "succeed";
const BEHAVIOUR_DECLINE_CHARGES: &str = "decline_charges";

impl SandboxGateway {
    pub fn new(db: Db, clock: crate::backend::Clock) -> SandboxGateway {
        SandboxGateway { db, clock }
    }

    async fn tokenize(&self, card: &ValidCard) -> Result<CardToken, GatewayError> {
        let behaviour = match card.digits.as_str() {
            "4000000000000002" => return Err(GatewayError::Declined(DeclineCode::CardDeclined)),
            "4000000000009995" => {
                return Err(GatewayError::Declined(DeclineCode::InsufficientFunds))
            }
            "4000000000000341" => BEHAVIOUR_DECLINE_CHARGES,
            _ => BEHAVIOUR_SUCCEED,
        };
        let token = new_id("tok_sandbox");
        sqlx::query("INSERT INTO sandbox_cards (token, behaviour, created_at) VALUES ($1, $2, $3)")
            .bind(&token)
            .bind(behaviour)
            .bind(self.clock.now())
            .execute(self.db.writer())
            .await?;
        let digest = crate::auth::tokens::hash_token(&card.digits);
        let fingerprint = Some(format!("fp_{}", &digest[..32]));
        Ok(CardToken { token, fingerprint })
    }

    async fn agreement(&self) -> Result<CardToken, AppError> {
        let token = new_id("ba_sandbox");
        sqlx::query("INSERT INTO sandbox_cards (token, behaviour, created_at) VALUES ($1, $2, $3)")
            .bind(&token)
            .bind(BEHAVIOUR_SUCCEED)
            .bind(self.clock.now())
            .execute(self.db.writer())
            .await?;
        Ok(CardToken {
            token,
            fingerprint: None,
        })
    }

    async fn charge_once(&self, request: ChargeRequest) -> Result<ChargeOutcome, AppError> {
        let behaviour: Option<String> =
            sqlx::query_scalar("SELECT behaviour FROM sandbox_cards WHERE token = $1")
                .bind(&request.token)
                .fetch_optional(self.db.pool())
                .await?;
        let failure = match behaviour.as_deref() {
            Some(BEHAVIOUR_SUCCEED) => None,
            Some(_) | None => Some(DeclineCode::CardDeclined),
        };
        let now: Timestamp = self.clock.now();
        // First writer wins; a retry with the same key reads the stored result.
        sqlx::query(
            "INSERT INTO sandbox_charges (idempotency_key, charge_id, token, amount, currency, failure_code, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(&request.idempotency_key)
        .bind(new_id("ch_sandbox"))
        .bind(&request.token)
        .bind(request.amount)
        .bind(&request.currency)
        .bind(failure.map(DeclineCode::as_str))
        .bind(now)
        .execute(self.db.writer())
        .await?;
        let (charge_id, token, amount, currency, failure_code): (String, String, i64, String, Option<String>) =
            sqlx::query_as(
                "SELECT charge_id, token, amount, currency, failure_code FROM sandbox_charges WHERE idempotency_key = $1",
            )
            .bind(&request.idempotency_key)
            .fetch_one(self.db.pool())
            .await?;
        if token != request.token || amount != request.amount || currency != request.currency {
            return Err(AppError::with_message(
                ErrorKind::IdempotencyConflict,
                "This charge key was already used for a different charge.",
            ));
        }
        Ok(match failure_code.as_deref().and_then(DeclineCode::parse) {
            None => ChargeOutcome::Succeeded { charge_id },
            Some(code) => ChargeOutcome::Failed { charge_id, code },
        })
    }
}

impl PaymentGateway for SandboxGateway {
    fn tokenize_card<'a>(
        &'a self,
        card: &'a ValidCard,
    ) -> GatewayFuture<'a, Result<CardToken, GatewayError>> {
        Box::pin(self.tokenize(card))
    }

    fn create_billing_agreement(&self) -> GatewayFuture<'_, Result<CardToken, AppError>> {
        Box::pin(self.agreement())
    }

    fn charge(&self, request: ChargeRequest) -> GatewayFuture<'_, Result<ChargeOutcome, AppError>> {
        Box::pin(self.charge_once(request))
    }
}
