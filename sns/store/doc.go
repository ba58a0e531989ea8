// Package store keeps the SNS API's DingTalk endpoints and their at-persons:
// in memory (NewMemory) or in a bbolt file that is fsynced on every commit
// (OpenBolt), behind one interface so the API does not care which.
//
// Records hold secrets in clear (the sender needs them to sign); callers
// mask them before anything leaves the process, and the bbolt file is
// created with mode 0600.
package store
