// class-validator with unknown fields refused; the first problem becomes a ValidationError
// naming its field (nested fields as a.b).
import { ValidationError as ClassValidatorError, ValidationPipe } from '@nestjs/common';
import { ValidationError } from '@app/contracts';

export function firstProblem(errors: ClassValidatorError[], parent = ''): { field: string; message: string; unknown: boolean } | undefined {
  for (const err of errors) {
    const field = parent ? `${parent}.${err.property}` : err.property;
    if (err.constraints) {
      const [kind, message] = Object.entries(err.constraints)[0];
      return { field, message, unknown: kind === 'whitelistValidation' };
    }
    const nested = firstProblem(err.children ?? [], field);
    if (nested) return nested;
  }
  return undefined;
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const problem = firstProblem(errors);
      if (!problem) return new ValidationError('invalid_request', 'The request body must be a JSON object');
      if (problem.unknown) return new ValidationError('unknown_field', `Unknown field "${problem.field}"`, problem.field);
      return new ValidationError('invalid_field', problem.message, problem.field);
    },
  });
}
