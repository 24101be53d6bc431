-- AlterTable
ALTER TABLE "identity"."users" ADD COLUMN     "totp_last_used_step" INTEGER;
