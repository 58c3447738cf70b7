CREATE TABLE "partner_views" (
	"partner_id" text PRIMARY KEY NOT NULL,
	"revision" integer NOT NULL,
	"as_of" date NOT NULL,
	"status" json NOT NULL,
	"written_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "partner_views_revision_ck" CHECK ("partner_views"."revision" >= 0)
);
--> statement-breakpoint
ALTER TABLE "partners" ADD COLUMN "alliance_team_ids" text[];--> statement-breakpoint
ALTER TABLE "partner_views" ADD CONSTRAINT "partner_views_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;