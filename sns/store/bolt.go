// The durable Store: one bbolt file, fsynced on every commit, so an
// endpoint the API acknowledged survives kill -9.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	db *bolt.DB
}

// OpenBolt opens (creating when needed) dir/sns.db. It waits at most one
// second for the file lock, so a second process on the same directory
// gets a clear error instead of hanging.
func OpenBolt(dir string) (Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("store: %s is in use by another process", path)
		}
		return nil, fmt.Errorf("store: open %s: %w", path, err)
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
	return &boltStore{db: db}, nil
}

func (b *boltStore) Endpoints() ([]Endpoint, error) {
	return boltList[Endpoint](b.db, bucketEndpoints, "endpoint")
}

func (b *boltStore) Endpoint(uuid string) (Endpoint, error) {
	return boltGet[Endpoint](b.db, bucketEndpoints, uuid)
}

func (b *boltStore) PutEndpoint(ep Endpoint, persons ...AtPerson) error {
	return mapErr(b.db.Update(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bucketEndpoints), ep.UUID, ep); err != nil {
			return err
		}
		for _, p := range persons {
			if err := putJSON(tx.Bucket(bucketPersons), p.UUID, p); err != nil {
				return err
			}
		}
		return nil
	}))
}

func (b *boltStore) DeleteEndpoint(uuid string) error {
	return mapErr(b.db.Update(func(tx *bolt.Tx) error {
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
	}))
}

func (b *boltStore) AtPersons() ([]AtPerson, error) {
	return boltList[AtPerson](b.db, bucketPersons, "at-person")
}

func (b *boltStore) AtPerson(uuid string) (AtPerson, error) {
	return boltGet[AtPerson](b.db, bucketPersons, uuid)
}

func (b *boltStore) PutAtPerson(p AtPerson) error {
	return mapErr(b.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketPersons), p.UUID, p)
	}))
}

func (b *boltStore) DeleteAtPerson(uuid string) error {
	return mapErr(b.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPersons).Delete([]byte(uuid))
	}))
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
