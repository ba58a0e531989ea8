// The durable Store: one bbolt file, fsynced on every commit, so an
// endpoint the API acknowledged survives kill -9. A damaged file is found
// when it is opened (and, should damage appear later, when an operation
// trips on it) and reported as such: the store never panics, and never
// acknowledges a write into a file it cannot read back.

package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the name of the bbolt file inside the data directory.
const FileName = "sns.db"

var (
	bucketMeta      = []byte("meta")
	bucketEndpoints = []byte("endpoints")
	bucketPersons   = []byte("atPersons")
	keyVersion      = []byte("schemaVersion")
	schemaVersion   = []byte("1")
)

type boltStore struct {
	db   *bolt.DB
	path string
	// broken is set once an operation found the file damaged (bbolt
	// panicked); from then on every operation fails, so nothing is
	// acknowledged that the file may not keep.
	broken atomic.Pointer[error]
}

// ErrCorrupt is wrapped by the errors of a store whose file is damaged.
var ErrCorrupt = errors.New("store: the data file is damaged")

// corruptErr says what is wrong with the file at path and what to do.
func corruptErr(path string, cause error) error {
	return fmt.Errorf("%w: %s cannot be read safely (%v). Nothing was changed in it. "+
		"Restore it from a backup, or move it aside (mv %s %s.corrupt) to start with an empty store", ErrCorrupt, path, cause, path, path)
}

// OpenBolt opens (creating when needed) dir/sns.db and checks it: every
// page reachable and consistent (bbolt's Tx.Check) and every record
// readable. A damaged file gives an error wrapping ErrCorrupt that names
// the file and what to do, never a panic. A missing or empty file starts
// an empty store, said in a log line through log (nil: no log). It waits
// at most one second for the file lock, so a second process on the same
// directory gets a clear error instead of hanging.
func OpenBolt(dir string, log *slog.Logger) (Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	path := filepath.Join(dir, FileName)
	switch info, err := os.Stat(path); {
	case errors.Is(err, fs.ErrNotExist):
		log.Info("sns: no data file yet; starting with an empty store", "file", path)
	case err != nil:
		return nil, fmt.Errorf("store: %w", err)
	case info.IsDir():
		return nil, fmt.Errorf("store: %s is a directory, not a data file", path)
	case info.Size() == 0:
		log.Warn("sns: the data file is empty (0 bytes, e.g. created but never written); starting with an empty store in it", "file", path)
	}
	db, err := openChecked(path)
	if err != nil {
		return nil, err
	}
	db.NoSync = false // fsync on every commit: acknowledged means durable
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := meta.Get(keyVersion); v != nil && string(v) != string(schemaVersion) {
			return fmt.Errorf("store: %s has schema version %s, this build reads %s", path, v, schemaVersion)
		}
		if err := meta.Put(keyVersion, schemaVersion); err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketEndpoints); err != nil {
			return err
		}
		_, err = tx.CreateBucketIfNotExists(bucketPersons)
		return err
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &boltStore{db: db, path: path}, nil
}

// openChecked opens the bbolt file and checks it whole. bbolt panics on
// some damage, and reading a page past the end of a truncated file faults
// on the memory map; both become a corruptErr.
func openChecked(path string) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			// The handle is left open: closing a damaged one can panic
			// again, and the process is about to give up on the file.
			db, err = nil, corruptErr(path, fmt.Errorf("%v", v))
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		var pe *fs.PathError
		switch {
		case errors.Is(err, bolt.ErrTimeout):
			return nil, fmt.Errorf("store: %s is in use by another process", path)
		case errors.As(err, &pe):
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		return nil, corruptErr(path, err)
	}
	var problems []string
	err = db.View(func(tx *bolt.Tx) error {
		// Pages past the end of a truncated file fault when read: compare
		// first, then read every record here (where a fault is a panic
		// this function recovers), and only then let bbolt's checker, which
		// runs in a goroutine of its own, look at the same pages.
		if info, err := os.Stat(path); err == nil && tx.Size() > info.Size() {
			return fmt.Errorf("the file is truncated: its pages reach %d bytes, but it has %d", tx.Size(), info.Size())
		}
		err := tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			return bk.ForEach(func(k, v []byte) error {
				if string(name) != string(bucketMeta) && !json.Valid(v) {
					return fmt.Errorf("bucket %s, key %q: the record is not JSON", name, k)
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
		for e := range tx.Check() {
			problems = append(problems, e.Error())
		}
		return nil
	})
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		_ = db.Close()
		if len(problems) > 3 {
			problems = append(problems[:3], fmt.Sprintf("and %d more problems", len(problems)-3))
		}
		return nil, corruptErr(path, errors.New(strings.Join(problems, "; ")))
	}
	return db, nil
}

// guard runs op, turning a bbolt panic (a page damaged since the file was
// checked) into an error wrapping ErrCorrupt; after one, every operation
// fails with it until the store is reopened (and checked again).
func (b *boltStore) guard(op func() error) (err error) {
	if e := b.broken.Load(); e != nil {
		return *e
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			e := corruptErr(b.path, fmt.Errorf("found while running: %v; restart to check the file again", v))
			b.broken.Store(&e)
			err = e
		}
	}()
	return mapErr(op())
}

func (b *boltStore) Endpoints() (out []Endpoint, err error) {
	err = b.guard(func() (err error) { out, err = boltList[Endpoint](b.db, bucketEndpoints, "endpoint"); return })
	return out, err
}

func (b *boltStore) Endpoint(uuid string) (ep Endpoint, err error) {
	err = b.guard(func() (err error) { ep, err = boltGet[Endpoint](b.db, bucketEndpoints, uuid); return })
	return ep, err
}

func (b *boltStore) PutEndpoint(ep Endpoint, persons ...AtPerson) error {
	return b.guard(func() error {
		return b.db.Update(func(tx *bolt.Tx) error {
			if err := putJSON(tx.Bucket(bucketEndpoints), ep.UUID, ep); err != nil {
				return err
			}
			for _, p := range persons {
				if err := putJSON(tx.Bucket(bucketPersons), p.UUID, p); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func (b *boltStore) DeleteEndpoint(uuid string) error {
	return b.guard(func() error {
		return b.db.Update(func(tx *bolt.Tx) error {
			if err := tx.Bucket(bucketEndpoints).Delete([]byte(uuid)); err != nil {
				return err
			}
			persons := tx.Bucket(bucketPersons)
			var doomed [][]byte
			err := persons.ForEach(func(k, v []byte) error {
				var p AtPerson
				if err := json.Unmarshal(v, &p); err != nil {
					return err
				}
				if p.EndpointUUID == uuid {
					doomed = append(doomed, append([]byte(nil), k...))
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, k := range doomed {
				if err := persons.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func (b *boltStore) AtPersons() (out []AtPerson, err error) {
	err = b.guard(func() (err error) { out, err = boltList[AtPerson](b.db, bucketPersons, "at-person"); return })
	return out, err
}

func (b *boltStore) AtPerson(uuid string) (p AtPerson, err error) {
	err = b.guard(func() (err error) { p, err = boltGet[AtPerson](b.db, bucketPersons, uuid); return })
	return p, err
}

func (b *boltStore) PutAtPerson(p AtPerson) error {
	return b.guard(func() error {
		return b.db.Update(func(tx *bolt.Tx) error { return putJSON(tx.Bucket(bucketPersons), p.UUID, p) })
	})
}

func (b *boltStore) DeleteAtPerson(uuid string) error {
	return b.guard(func() error {
		return b.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketPersons).Delete([]byte(uuid)) })
	})
}

func (b *boltStore) Counts() (endpoints, persons int, err error) {
	err = b.guard(func() error {
		return b.db.View(func(tx *bolt.Tx) error {
			endpoints = tx.Bucket(bucketEndpoints).Stats().KeyN
			persons = tx.Bucket(bucketPersons).Stats().KeyN
			return nil
		})
	})
	return endpoints, persons, err
}

func (b *boltStore) Close() error { return b.db.Close() }

// boltList decodes every record of a bucket, in the Store's order; what
// names the record in a decode error.
func boltList[T record](db *bolt.DB, bucket []byte, what string) ([]T, error) {
	var out []T
	err := db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(_, data []byte) error {
			var v T
			if err := json.Unmarshal(data, &v); err != nil {
				return fmt.Errorf("store: decode %s: %w", what, err)
			}
			out = append(out, v)
			return nil
		})
	})
	if err != nil {
		return nil, mapErr(err)
	}
	sortRecords(out)
	return out, nil
}

// boltGet decodes one record of a bucket, or returns ErrNotFound.
func boltGet[T record](db *bolt.DB, bucket []byte, uuid string) (T, error) {
	var v T
	err := db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucket).Get([]byte(uuid))
		if data == nil {
			return ErrNotFound
		}
		return json.Unmarshal(data, &v)
	})
	return v, mapErr(err)
}

func putJSON(bk *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return bk.Put([]byte(key), data)
}

func mapErr(err error) error {
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}
