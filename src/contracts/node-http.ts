// node:http for the processes' HTTP servers and the operator's watch (#12, #14), taken as the CommonJS
// module. An ES import of node:http (a named one too) reads every export, among them the lazy getters
// of http.WebSocket, CloseEvent and MessageEvent, and they load Node's own bundled copy of undici beside
// the npm undici we call upstreams and the API server with: +12 MiB resident in a bare process, ~1.5 MiB
// in the loaded operator, ~2 MiB in the loaded worker (of a 96Mi pod). Type-only imports are free.
// test/integration/bundled-undici.test.ts fails if any path loads it again.
export const nodeHttp = process.getBuiltinModule('node:http');
