-- CreateEnum
CREATE TYPE "identity"."security_response_action" AS ENUM ('block_ip', 'suspend_credential');

-- AlterEnum
ALTER TYPE "identity"."credential_status" ADD VALUE 'suspended';

-- AlterTable
ALTER TABLE "identity"."credentials" ADD COLUMN     "suspended_until" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "identity"."security_responses" (
    "id" UUID NOT NULL,
    "action" "identity"."security_response_action" NOT NULL,
    "target" TEXT NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "source_service" TEXT,
    "alert_id" TEXT,
    "source_block_id" UUID,
    "credential_id" UUID,
    "lifted_at" TIMESTAMPTZ(3),
    "lifted_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "security_responses_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "security_responses_source_block_id_key" ON "identity"."security_responses"("source_block_id");

-- CreateIndex
CREATE INDEX "security_responses_credential_id_lifted_at_idx" ON "identity"."security_responses"("credential_id", "lifted_at");

-- CreateIndex
CREATE INDEX "credentials_status_expires_at_idx" ON "identity"."credentials"("status", "expires_at");

-- CreateIndex
CREATE INDEX "credentials_status_grace_until_idx" ON "identity"."credentials"("status", "grace_until");

-- CreateIndex
CREATE INDEX "credentials_status_suspended_until_idx" ON "identity"."credentials"("status", "suspended_until");

-- AddForeignKey
ALTER TABLE "identity"."security_responses" ADD CONSTRAINT "security_responses_source_block_id_fkey" FOREIGN KEY ("source_block_id") REFERENCES "identity"."source_blocks"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity"."security_responses" ADD CONSTRAINT "security_responses_credential_id_fkey" FOREIGN KEY ("credential_id") REFERENCES "identity"."credentials"("id") ON DELETE CASCADE ON UPDATE CASCADE;
