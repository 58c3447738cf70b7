CREATE TABLE "journal" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"partner_id" text NOT NULL,
	"on" date NOT NULL,
	"type" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "journal" ADD CONSTRAINT "journal_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "journal_key_uq" ON "journal" USING btree ("key");--> statement-breakpoint
CREATE INDEX "journal_partner_idx" ON "journal" USING btree ("partner_id","on","seq");