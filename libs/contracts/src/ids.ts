// The shape of the ids the API hands out (uuid): a path id of another shape names nothing, and is
// answered 404 before it reaches PostgreSQL (which would refuse to compare it with a uuid column).
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
