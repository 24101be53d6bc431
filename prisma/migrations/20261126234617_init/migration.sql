-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "audit";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "identity";

-- CreateEnum
CREATE TYPE "identity"."user_status" AS ENUM ('active', 'disabled');

-- CreateEnum
CREATE TYPE "identity"."role" AS ENUM ('developer', 'approver', 'security', 'admin');

-- CreateEnum
CREATE TYPE "identity"."team_role" AS ENUM ('owner', 'member');

-- CreateEnum
CREATE TYPE "identity"."api_auth_method" AS ENUM ('api_key', 'oauth2_client_credentials', 'basic');

-- CreateEnum
CREATE TYPE "identity"."approval_mode" AS ENUM ('auto', 'manual');

-- CreateEnum
CREATE TYPE "identity"."environment" AS ENUM ('sandbox', 'production');

-- CreateEnum
CREATE TYPE "identity"."subscription_status" AS ENUM ('pending', 'approved', 'rejected', 'suspended', 'revoked');

-- CreateEnum
CREATE TYPE "identity"."credential_kind" AS ENUM ('api_key', 'client_secret', 'private_key_jwt', 'tls_client_auth');

-- CreateEnum
CREATE TYPE "identity"."credential_status" AS ENUM ('active', 'revoked', 'expired');

-- CreateEnum
CREATE TYPE "identity"."signing_key_status" AS ENUM ('pending', 'active', 'retiring', 'retired');

-- CreateEnum
CREATE TYPE "audit"."siem_sink_kind" AS ENUM ('syslog_cef', 'syslog_leef', 'splunk_hec', 'ocsf_kafka', 'webhook');

-- CreateEnum
CREATE TYPE "audit"."alert_severity" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateEnum
CREATE TYPE "audit"."alert_status" AS ENUM ('open', 'acknowledged', 'resolved');

-- CreateEnum
CREATE TYPE "audit"."alert_action" AS ENUM ('block_ip', 'suspend_credential');

-- CreateTable
CREATE TABLE "identity"."users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "status" "identity"."user_status" NOT NULL DEFAULT 'active',
    "failed_sign_ins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "totp_secret_encrypted" TEXT,
    "totp_enabled" BOOLEAN NOT NULL DEFAULT false,
    "last_sign_in_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."role_assignments" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "identity"."role" NOT NULL,
    "api_id" UUID,
    "granted_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "role_assignments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."teams" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."team_members" (
    "id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "identity"."team_role" NOT NULL DEFAULT 'member',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "team_members_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."sessions" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "mfa_verified" BOOLEAN NOT NULL DEFAULT false,
    "ip" TEXT,
    "user_agent" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."notifications" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "read_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."webhook_endpoints" (
    "id" UUID NOT NULL,
    "team_id" UUID,
    "url" TEXT NOT NULL,
    "secret_encrypted" TEXT NOT NULL,
    "events" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "last_success_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."apis" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "base_path" TEXT NOT NULL,
    "upstream_url" TEXT NOT NULL,
    "description" TEXT,
    "openapi_document" JSONB,
    "owner_team_id" UUID NOT NULL,
    "auth_methods" "identity"."api_auth_method"[] DEFAULT ARRAY[]::"identity"."api_auth_method"[],
    "token_lifetime_seconds" INTEGER NOT NULL DEFAULT 900,
    "approval_mode_sandbox" "identity"."approval_mode" NOT NULL DEFAULT 'auto',
    "approval_mode_production" "identity"."approval_mode" NOT NULL DEFAULT 'manual',
    "settings" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "apis_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."api_scopes" (
    "id" UUID NOT NULL,
    "api_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_scopes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."api_routes" (
    "id" UUID NOT NULL,
    "api_id" UUID NOT NULL,
    "method" TEXT NOT NULL,
    "path_pattern" TEXT NOT NULL,
    "required_scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "api_routes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."plans" (
    "id" UUID NOT NULL,
    "api_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "rate_per_second" INTEGER NOT NULL,
    "burst" INTEGER NOT NULL,
    "monthly_quota" INTEGER,
    "approval_mode" "identity"."approval_mode",
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "plans_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."applications" (
    "id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "applications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."subscriptions" (
    "id" UUID NOT NULL,
    "application_id" UUID NOT NULL,
    "api_id" UUID NOT NULL,
    "plan_id" UUID NOT NULL,
    "environment" "identity"."environment" NOT NULL,
    "status" "identity"."subscription_status" NOT NULL DEFAULT 'pending',
    "justification" TEXT,
    "granted_scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "requested_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."subscription_decisions" (
    "id" UUID NOT NULL,
    "subscription_id" UUID NOT NULL,
    "actor_user_id" UUID,
    "from_status" "identity"."subscription_status",
    "to_status" "identity"."subscription_status" NOT NULL,
    "comment" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "subscription_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."credentials" (
    "id" UUID NOT NULL,
    "application_id" UUID NOT NULL,
    "environment" "identity"."environment" NOT NULL,
    "kind" "identity"."credential_kind" NOT NULL,
    "client_id" TEXT,
    "key_id" TEXT NOT NULL,
    "secret_hash" TEXT,
    "jwks" JSONB,
    "certificate_thumbprint" TEXT,
    "status" "identity"."credential_status" NOT NULL DEFAULT 'active',
    "expires_at" TIMESTAMPTZ(3),
    "grace_until" TIMESTAMPTZ(3),
    "rotated_from_id" UUID,
    "created_by_id" UUID,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "credentials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."signing_keys" (
    "id" UUID NOT NULL,
    "kid" TEXT NOT NULL,
    "alg" TEXT NOT NULL,
    "public_jwk" JSONB NOT NULL,
    "private_key_encrypted" TEXT NOT NULL,
    "status" "identity"."signing_key_status" NOT NULL DEFAULT 'pending',
    "activates_at" TIMESTAMPTZ(3) NOT NULL,
    "retires_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."revoked_tokens" (
    "id" UUID NOT NULL,
    "jti" TEXT NOT NULL,
    "client_id" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "revoked_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."client_assertion_jtis" (
    "id" UUID NOT NULL,
    "client_id" TEXT NOT NULL,
    "jti" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "client_assertion_jtis_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."source_blocks" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_by_id" UUID,
    "expires_at" TIMESTAMPTZ(3),
    "lifted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "source_blocks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity"."config_changes" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "config_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit"."audit_events" (
    "id" UUID NOT NULL,
    "time" TIMESTAMPTZ(3) NOT NULL,
    "type" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "trace_id" TEXT,
    "seq" BIGSERIAL NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "team_id" TEXT,
    "app_id" TEXT,
    "client_id" TEXT,
    "api_id" TEXT,
    "action" TEXT,
    "decision" TEXT,
    "reason" TEXT,
    "status" INTEGER,
    "source_ip" TEXT,
    "data" JSONB NOT NULL,
    "chain" TEXT NOT NULL,
    "prev_hash" TEXT,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("time","id")
);

-- CreateTable
CREATE TABLE "audit"."audit_chains" (
    "chain" TEXT NOT NULL,
    "last_hash" TEXT NOT NULL,
    "last_event_id" UUID NOT NULL,
    "last_time" TIMESTAMPTZ(3) NOT NULL,
    "length" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audit_chains_pkey" PRIMARY KEY ("chain")
);

-- CreateTable
CREATE TABLE "audit"."processed_events" (
    "consumer" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("consumer","event_id")
);

-- CreateTable
CREATE TABLE "audit"."siem_sinks" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "audit"."siem_sink_kind" NOT NULL,
    "config" JSONB NOT NULL,
    "secret_encrypted" TEXT,
    "event_types" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "last_success_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "siem_sinks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit"."sink_cursors" (
    "sink_id" UUID NOT NULL,
    "position" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sink_cursors_pkey" PRIMARY KEY ("sink_id")
);

-- CreateTable
CREATE TABLE "audit"."alerts" (
    "id" UUID NOT NULL,
    "rule" TEXT NOT NULL,
    "severity" "audit"."alert_severity" NOT NULL,
    "status" "audit"."alert_status" NOT NULL DEFAULT 'open',
    "dedup_key" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "subject" JSONB NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 1,
    "changed_by_id" UUID,
    "changed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit"."alert_responses" (
    "id" UUID NOT NULL,
    "alert_id" UUID NOT NULL,
    "action" "audit"."alert_action" NOT NULL,
    "target" TEXT NOT NULL,
    "until" TIMESTAMPTZ(3),
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "undone_at" TIMESTAMPTZ(3),
    "undone_by_id" UUID,

    CONSTRAINT "alert_responses_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "identity"."users"("email");

-- CreateIndex
CREATE INDEX "role_assignments_api_id_role_idx" ON "identity"."role_assignments"("api_id", "role");

-- CreateIndex
CREATE UNIQUE INDEX "role_assignments_user_id_role_api_id_key" ON "identity"."role_assignments"("user_id", "role", "api_id");

-- CreateIndex
CREATE UNIQUE INDEX "teams_slug_key" ON "identity"."teams"("slug");

-- CreateIndex
CREATE INDEX "team_members_user_id_idx" ON "identity"."team_members"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "team_members_team_id_user_id_key" ON "identity"."team_members"("team_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "identity"."sessions"("token_hash");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "identity"."sessions"("user_id");

-- CreateIndex
CREATE INDEX "sessions_expires_at_idx" ON "identity"."sessions"("expires_at");

-- CreateIndex
CREATE INDEX "notifications_user_id_read_at_created_at_idx" ON "identity"."notifications"("user_id", "read_at", "created_at");

-- CreateIndex
CREATE INDEX "webhook_endpoints_team_id_idx" ON "identity"."webhook_endpoints"("team_id");

-- CreateIndex
CREATE UNIQUE INDEX "apis_slug_key" ON "identity"."apis"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "apis_base_path_key" ON "identity"."apis"("base_path");

-- CreateIndex
CREATE INDEX "apis_owner_team_id_idx" ON "identity"."apis"("owner_team_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_scopes_api_id_name_key" ON "identity"."api_scopes"("api_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "api_routes_api_id_method_path_pattern_key" ON "identity"."api_routes"("api_id", "method", "path_pattern");

-- CreateIndex
CREATE UNIQUE INDEX "plans_api_id_name_key" ON "identity"."plans"("api_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "applications_team_id_name_key" ON "identity"."applications"("team_id", "name");

-- CreateIndex
CREATE INDEX "subscriptions_api_id_status_idx" ON "identity"."subscriptions"("api_id", "status");

-- CreateIndex
CREATE INDEX "subscriptions_plan_id_idx" ON "identity"."subscriptions"("plan_id");

-- CreateIndex
CREATE UNIQUE INDEX "subscriptions_application_id_api_id_environment_key" ON "identity"."subscriptions"("application_id", "api_id", "environment");

-- CreateIndex
CREATE INDEX "subscription_decisions_subscription_id_created_at_idx" ON "identity"."subscription_decisions"("subscription_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "credentials_key_id_key" ON "identity"."credentials"("key_id");

-- CreateIndex
CREATE INDEX "credentials_application_id_environment_idx" ON "identity"."credentials"("application_id", "environment");

-- CreateIndex
CREATE INDEX "credentials_client_id_idx" ON "identity"."credentials"("client_id");

-- CreateIndex
CREATE INDEX "credentials_certificate_thumbprint_idx" ON "identity"."credentials"("certificate_thumbprint");

-- CreateIndex
CREATE UNIQUE INDEX "signing_keys_kid_key" ON "identity"."signing_keys"("kid");

-- CreateIndex
CREATE INDEX "signing_keys_status_idx" ON "identity"."signing_keys"("status");

-- CreateIndex
CREATE UNIQUE INDEX "revoked_tokens_jti_key" ON "identity"."revoked_tokens"("jti");

-- CreateIndex
CREATE INDEX "revoked_tokens_expires_at_idx" ON "identity"."revoked_tokens"("expires_at");

-- CreateIndex
CREATE INDEX "client_assertion_jtis_expires_at_idx" ON "identity"."client_assertion_jtis"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "client_assertion_jtis_client_id_jti_key" ON "identity"."client_assertion_jtis"("client_id", "jti");

-- CreateIndex
CREATE INDEX "source_blocks_source_idx" ON "identity"."source_blocks"("source");

-- CreateIndex
CREATE INDEX "config_changes_created_at_idx" ON "identity"."config_changes"("created_at");

-- CreateIndex
CREATE INDEX "audit_events_seq_idx" ON "audit"."audit_events"("seq");

-- CreateIndex
CREATE INDEX "audit_events_app_id_time_idx" ON "audit"."audit_events"("app_id", "time");

-- CreateIndex
CREATE INDEX "audit_events_api_id_time_idx" ON "audit"."audit_events"("api_id", "time");

-- CreateIndex
CREATE INDEX "audit_events_client_id_time_idx" ON "audit"."audit_events"("client_id", "time");

-- CreateIndex
CREATE INDEX "audit_events_team_id_time_idx" ON "audit"."audit_events"("team_id", "time");

-- CreateIndex
CREATE INDEX "audit_events_type_time_idx" ON "audit"."audit_events"("type", "time");

-- CreateIndex
CREATE INDEX "audit_events_trace_id_idx" ON "audit"."audit_events"("trace_id");

-- CreateIndex
CREATE INDEX "processed_events_processed_at_idx" ON "audit"."processed_events"("processed_at");

-- CreateIndex
CREATE UNIQUE INDEX "siem_sinks_name_key" ON "audit"."siem_sinks"("name");

-- CreateIndex
CREATE INDEX "alerts_dedup_key_status_idx" ON "audit"."alerts"("dedup_key", "status");

-- CreateIndex
CREATE INDEX "alerts_status_last_seen_at_idx" ON "audit"."alerts"("status", "last_seen_at");

-- CreateIndex
CREATE INDEX "alert_responses_alert_id_idx" ON "audit"."alert_responses"("alert_id");

-- AddForeignKey
ALTER TABLE "identity"."role_assignments" ADD CONSTRAINT "role_assignments_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "identity"."users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."role_assignments" ADD CONSTRAINT "role_assignments_api_id_fkey" FOREIGN KEY ("api_id") REFERENCES "identity"."apis"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."role_assignments" ADD CONSTRAINT "role_assignments_granted_by_id_fkey" FOREIGN KEY ("granted_by_id") REFERENCES "identity"."users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."team_members" ADD CONSTRAINT "team_members_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "identity"."teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."team_members" ADD CONSTRAINT "team_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "identity"."users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "identity"."users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."notifications" ADD CONSTRAINT "notifications_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "identity"."users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "identity"."teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."apis" ADD CONSTRAINT "apis_owner_team_id_fkey" FOREIGN KEY ("owner_team_id") REFERENCES "identity"."teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."api_scopes" ADD CONSTRAINT "api_scopes_api_id_fkey" FOREIGN KEY ("api_id") REFERENCES "identity"."apis"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."api_routes" ADD CONSTRAINT "api_routes_api_id_fkey" FOREIGN KEY ("api_id") REFERENCES "identity"."apis"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."plans" ADD CONSTRAINT "plans_api_id_fkey" FOREIGN KEY ("api_id") REFERENCES "identity"."apis"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."applications" ADD CONSTRAINT "applications_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "identity"."teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."applications" ADD CONSTRAINT "applications_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "identity"."users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."subscriptions" ADD CONSTRAINT "subscriptions_application_id_fkey" FOREIGN KEY ("application_id") REFERENCES "identity"."applications"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."subscriptions" ADD CONSTRAINT "subscriptions_api_id_fkey" FOREIGN KEY ("api_id") REFERENCES "identity"."apis"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."subscriptions" ADD CONSTRAINT "subscriptions_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "identity"."plans"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."subscriptions" ADD CONSTRAINT "subscriptions_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "identity"."users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."subscription_decisions" ADD CONSTRAINT "subscription_decisions_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "identity"."subscriptions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."subscription_decisions" ADD CONSTRAINT "subscription_decisions_actor_user_id_fkey" FOREIGN KEY ("actor_user_id") REFERENCES "identity"."users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."credentials" ADD CONSTRAINT "credentials_application_id_fkey" FOREIGN KEY ("application_id") REFERENCES "identity"."applications"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."credentials" ADD CONSTRAINT "credentials_rotated_from_id_fkey" FOREIGN KEY ("rotated_from_id") REFERENCES "identity"."credentials"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."credentials" ADD CONSTRAINT "credentials_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "identity"."users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit"."sink_cursors" ADD CONSTRAINT "sink_cursors_sink_id_fkey" FOREIGN KEY ("sink_id") REFERENCES "audit"."siem_sinks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit"."alert_responses" ADD CONSTRAINT "alert_responses_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "audit"."alerts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
