-- AlterTable
ALTER TABLE "identity"."sessions" ADD COLUMN     "device_id" UUID;

-- CreateIndex
CREATE INDEX "sessions_device_id_idx" ON "identity"."sessions"("device_id");

-- AddForeignKey
ALTER TABLE "identity"."sessions" ADD CONSTRAINT "sessions_device_id_fkey" FOREIGN KEY ("device_id") REFERENCES "identity"."sign_in_devices"("id") ON DELETE SET NULL ON UPDATE CASCADE;
