-- AlterTable
ALTER TABLE "identity"."users" ADD COLUMN     "new_device_failed_sign_ins" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "new_devices_locked_until" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "identity"."sign_in_devices" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "failed_sign_ins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "user_agent" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_sign_in_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sign_in_devices_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "sign_in_devices_token_hash_key" ON "identity"."sign_in_devices"("token_hash");

-- CreateIndex
CREATE INDEX "sign_in_devices_user_id_idx" ON "identity"."sign_in_devices"("user_id");

-- AddForeignKey
ALTER TABLE "identity"."sign_in_devices" ADD CONSTRAINT "sign_in_devices_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "identity"."users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
