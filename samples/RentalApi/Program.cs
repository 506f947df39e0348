using RentalApi;

// A rental backend on Billing.Resilience: see RentalApiApp for the wiring and README.md for a walk-through.
var app = RentalApiApp.Create(args);
await app.RunAsync();
