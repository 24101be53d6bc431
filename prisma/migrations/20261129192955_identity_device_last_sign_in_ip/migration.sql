-- AlterTable
ALTER TABLE "identity"."sign_in_devices" ADD COLUMN     "last_sign_in_ip" TEXT;
