// Package aio is aiodb's async runtime: operations that run in another
// goroutine and deliver their outcome on a channel of Result, the way
// peewee-async's coroutines deliver theirs to an awaiting caller.
//
// # Running work
//
// Go runs a function and delivers one Result on a buffered channel, then
// closes it; Stream delivers one Result per value and a last one for an
// error. Every Aio method of package orm is built on them. The goroutines
// come from one pool shared by every async call of the process (pool.go):
// a goroutine that already ran a statement keeps its grown stack for the
// next, and the pool empties itself a second after the work stops.
//
// # Waiting
//
// Await receives one Result, or returns when ctx ends; Collect reads a
// stream to its end; Gather and GatherFunc wait for several operations and
// return their values in order, or the first error. A panic inside an
// operation arrives as a *PanicError carrying its value and stack.
//
// # Async marks and the sync guard
//
// The context an operation runs with is marked async (Async, IsAsync).
// aiodb's driver lets marked statements through and applies its sync
// guard (allow, warn, error, panic; see package driver) to the others, so
// code that calls the database outside this package is found. AllowSync
// marks a context whose blocking calls are meant, such as schema setup in
// main or a test.
package aio
