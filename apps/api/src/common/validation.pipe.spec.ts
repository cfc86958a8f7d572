// The rules every input meets before class-validator: null only where declared nullable, no
// unstorable text, nested DTOs where class-validator descends, batch items left to their service.
import { UpdateCarrierDto } from '../carriers/dto/carrier.dto';
import { BatchMessageDto, SendBatchDto } from '../messages/dto/send-batch.dto';
import { CreateSmppCredentialDto } from '../smpp-credentials/dto/smpp-credential.dto';
import { ReplaceRoutesDto } from '../routes/dto/routes.dto';
import { inputProblem, PositiveIntPipe } from './validation.pipe';

it('refuses null for a field not declared nullable, inherited fields included', () => {
  expect(inputProblem(CreateSmppCredentialDto, { systemId: null })).toEqual({ code: 'invalid_field', field: 'systemId', message: 'systemId must not be null (omit it instead)' });
  expect(inputProblem(CreateSmppCredentialDto, { allowedIps: null })).toMatchObject({ field: 'allowedIps' });
  expect(inputProblem(BatchMessageDto, { sendAt: null }, 'messages[1]')).toMatchObject({ field: 'messages[1].sendAt' });
  expect(inputProblem(ReplaceRoutesDto, { rules: [], comment: null })).toMatchObject({ field: 'comment' });
});

it('takes null where the document declares the field nullable', () => {
  expect(inputProblem(UpdateCarrierDto, { maxTps: null })).toBeUndefined();
});

it('refuses NUL and unpaired surrogates anywhere, keys included, naming the path', () => {
  expect(inputProblem(ReplaceRoutesDto, { rules: [{ id: 'a', targets: [{ carrierId: 'x\u0000' }] }] })).toMatchObject({ code: 'invalid_text', field: 'rules[0].targets[0].carrierId' });
  expect(inputProblem(ReplaceRoutesDto, { rules: [], comment: 'x\ud800' })).toMatchObject({ code: 'invalid_text', field: 'comment' });
  expect(inputProblem(UpdateCarrierDto, { costs: { 'U\u0000S': 1 } })).toMatchObject({ code: 'invalid_text', field: 'costs' });
  expect(inputProblem(ReplaceRoutesDto, { rules: [], comment: 'fine 😀' })).toBeUndefined();
});

it('leaves batch items to the service, which checks each on its own', () => {
  expect(inputProblem(SendBatchDto, { messages: [{ body: null }, { body: 'a\u0000b' }] })).toBeUndefined();
});

it('PositiveIntPipe takes 1..2^31-1 and names the parameter otherwise', () => {
  const pipe = new PositiveIntPipe();
  const meta = { type: 'param' as const, data: 'version' };
  expect(pipe.transform('42', meta)).toBe(42);
  expect(pipe.transform('2147483647', meta)).toBe(2147483647);
  for (const bad of ['0', '-1', '1.5', 'abc', '2147483648', '99999999999999999999', '']) {
    expect(() => pipe.transform(bad, meta)).toThrow(expect.objectContaining({ code: 'invalid_field', field: 'version' }));
  }
});
