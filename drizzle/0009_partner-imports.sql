CREATE TABLE "import_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"created_by" text NOT NULL,
	"format" text NOT NULL,
	"status" text NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "import_jobs_status_ck" CHECK ("import_jobs"."status" in ('staging', 'running', 'done'))
);
--> statement-breakpoint
CREATE TABLE "import_rows" (
	"job_id" text NOT NULL,
	"row" integer NOT NULL,
	"partner_id" text NOT NULL,
	"registration" jsonb NOT NULL,
	"evidence" jsonb,
	"status" text DEFAULT 'pending' NOT NULL,
	"problem" jsonb,
	"settled_at" timestamp with time zone,
	CONSTRAINT "import_rows_job_id_row_pk" PRIMARY KEY("job_id","row"),
	CONSTRAINT "import_rows_status_ck" CHECK ("import_rows"."status" in ('pending', 'created', 'unchanged', 'updated', 'refused'))
);
--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_job_id_import_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."import_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "import_jobs_status_idx" ON "import_jobs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "import_rows_job_status_idx" ON "import_rows" USING btree ("job_id","status");