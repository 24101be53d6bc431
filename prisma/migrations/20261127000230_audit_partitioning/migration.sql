-- audit.audit_events becomes a table range-partitioned by day on "time" (raw SQL: Prisma cannot
-- express partitioning). apps/audit creates the daily partitions ahead of time and drops them for
-- retention; the DEFAULT partition takes whatever falls outside them, so no insert is refused.
-- Also adds latency_ms (usage percentiles) and chain_seq (position in the per-day hash chain).

-- Keep the sequence (the SIEM exporters' cursor) while the old table goes.
ALTER SEQUENCE "audit"."audit_events_seq_seq" OWNED BY NONE;
ALTER TABLE "audit"."audit_events" RENAME TO "audit_events_unpartitioned";
ALTER TABLE "audit"."audit_events_unpartitioned" RENAME CONSTRAINT "audit_events_pkey" TO "audit_events_unpartitioned_pkey";
DROP INDEX "audit"."audit_events_seq_idx";
DROP INDEX "audit"."audit_events_app_id_time_idx";
DROP INDEX "audit"."audit_events_api_id_time_idx";
DROP INDEX "audit"."audit_events_client_id_time_idx";
DROP INDEX "audit"."audit_events_team_id_time_idx";
DROP INDEX "audit"."audit_events_type_time_idx";
DROP INDEX "audit"."audit_events_trace_id_idx";

CREATE TABLE "audit"."audit_events" (
    "id" UUID NOT NULL,
    "time" TIMESTAMPTZ(3) NOT NULL,
    "type" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "trace_id" TEXT,
    "seq" BIGINT NOT NULL DEFAULT nextval('"audit"."audit_events_seq_seq"'::regclass),
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
    "latency_ms" DOUBLE PRECISION,
    "data" JSONB NOT NULL,
    "chain" TEXT NOT NULL,
    "chain_seq" BIGINT NOT NULL,
    "prev_hash" TEXT,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("time","id")
) PARTITION BY RANGE ("time");

ALTER SEQUENCE "audit"."audit_events_seq_seq" OWNED BY "audit"."audit_events"."seq";

CREATE TABLE "audit"."audit_events_default" PARTITION OF "audit"."audit_events" DEFAULT;

-- Rows stored before this migration keep their hashes; their chain positions follow insertion order.
INSERT INTO "audit"."audit_events" (
    "id", "time", "type", "version", "source", "trace_id", "seq", "received_at", "team_id", "app_id",
    "client_id", "api_id", "action", "decision", "reason", "status", "source_ip", "data", "chain",
    "chain_seq", "prev_hash", "hash")
SELECT "id", "time", "type", "version", "source", "trace_id", "seq", "received_at", "team_id", "app_id",
    "client_id", "api_id", "action", "decision", "reason", "status", "source_ip", "data", "chain",
    row_number() OVER (PARTITION BY "chain" ORDER BY "seq"), "prev_hash", "hash"
FROM "audit"."audit_events_unpartitioned";

DROP TABLE "audit"."audit_events_unpartitioned";

CREATE INDEX "audit_events_seq_idx" ON "audit"."audit_events"("seq");
CREATE INDEX "audit_events_app_id_time_idx" ON "audit"."audit_events"("app_id", "time");
CREATE INDEX "audit_events_api_id_time_idx" ON "audit"."audit_events"("api_id", "time");
CREATE INDEX "audit_events_client_id_time_idx" ON "audit"."audit_events"("client_id", "time");
CREATE INDEX "audit_events_team_id_time_idx" ON "audit"."audit_events"("team_id", "time");
CREATE INDEX "audit_events_type_time_idx" ON "audit"."audit_events"("type", "time");
CREATE INDEX "audit_events_trace_id_idx" ON "audit"."audit_events"("trace_id");
CREATE INDEX "audit_events_decision_time_idx" ON "audit"."audit_events"("decision", "time");
CREATE INDEX "audit_events_status_time_idx" ON "audit"."audit_events"("status", "time");
CREATE INDEX "audit_events_source_ip_time_idx" ON "audit"."audit_events"("source_ip", "time");
CREATE INDEX "audit_events_chain_chain_seq_idx" ON "audit"."audit_events"("chain", "chain_seq");
