// Command ferretdb serves the MongoDB wire protocol for the native stack.
// With -postgresql-url it stores documents in PostgreSQL (one schema per
// database, one JSONB table per collection); without it, in SQLite files
// under -data-dir, which needs no server and suits throwaway runs.
//
// Why a wrapper: a plain `go install` of FerretDB v1 from the module proxy
// lacks the generated build/version files and panics at start-up. The
// embeddable package skips that check, so we build this tiny main around it.
// Both drivers (modernc SQLite, pgx) are pure Go, so it builds with CGO_ENABLED=0.
//
// Only the fields of ferretdb.Config are reachable from outside the module:
// the pushdown switches and EnableNewAuth live in internal packages, so the
// defaults apply (filter pushdown on, nested pushdown off, no sort pushdown).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to serve the MongoDB wire protocol on")
	dataDir := flag.String("data-dir", "", "directory for the SQLite database files (created if missing; needed unless -postgresql-url is set)")
	pgURL := flag.String("postgresql-url", "", "PostgreSQL connection URL, e.g. postgres://user@127.0.0.1:5432/ferretdb; when set, PostgreSQL is used instead of SQLite")
	logLevel := flag.String("log-level", "info", "log level: debug, info, warn or error")
	showVersion := flag.Bool("version", false, "print the embedded FerretDB version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Println("FerretDB", ferretDBVersion())
		return
	}

	// Exactly one backend: a data dir for SQLite or a URL for PostgreSQL.
	if (*dataDir == "") == (*pgURL == "") || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	if err := run(*listen, *dataDir, *pgURL, logger); err != nil {
		logger.Error("ferretdb failed", "error", err)
		os.Exit(1)
	}
}

func run(listen, dataDir, pgURL string, logger *slog.Logger) error {
	cfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: listen},
		Logger:   logger,
	}

	if pgURL != "" {
		// The database named in the URL must exist; FerretDB creates schemas
		// and tables in it on demand. It connects lazily and listens even while
		// PostgreSQL is down; `ping` does reach PostgreSQL, so probe with that.
		cfg.Handler, cfg.PostgreSQLURL = "postgresql", pgURL
	} else {
		dir, err := filepath.Abs(dataDir)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		// FerretDB wants a "file:" URI naming an existing directory, ending in "/".
		cfg.Handler, cfg.SQLiteURL = "sqlite", (&url.URL{Scheme: "file", Path: dir + "/"}).String()
	}

	// The PostgreSQL URL is left out of the log: it may carry a password.
	logger.Info("ferretdb starting", "version", ferretDBVersion(), "listen", listen, "handler", cfg.Handler, "sqlite", cfg.SQLiteURL)
	f, err := ferretdb.New(cfg)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	err = f.Run(ctx) // returns once ctx is cancelled and connections are closed
	logger.Info("ferretdb stopped")
	return err
}

// ferretDBVersion reports which FerretDB module version this binary embeds.
func ferretDBVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/FerretDB/FerretDB" {
				return dep.Version
			}
		}
	}
	return "unknown"
}
