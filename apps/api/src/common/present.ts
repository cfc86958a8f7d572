// For ValidateIf on optional DTO fields: absent is fine, null is not (it is validated, and refused).
export const present = (_: object, value: unknown) => value !== undefined;
