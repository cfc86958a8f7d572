// /v1/codec: the remote codec endpoint of the Temporal Web UI (and `temporal … --codec-endpoint`).
// Payloads in Temporal are encrypted (libs/temporal/src/payload-codec.ts); an operator's browser
// decodes them here. The UI calls POST <endpoint>/decode with the operator's key as a Bearer token
// or, from the dev server's UI that cannot send one, with the session cookie set by /session
// (codec.middleware.ts turns it into the Authorization header and answers CORS for the UI origin).
import { applyDecorators, Body, Controller, Get, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public, RequireScope } from '../auth/api-key.guard';
import { ErrorBody } from '../common/error-body';
import { CODEC_SESSION_COOKIE, CODEC_SESSION_SECONDS } from './codec.middleware';
import { CodecService } from './codec.service';
import { CodecPayloadsDto } from './dto/codec-payloads.dto';

const Unauthorized = () =>
  applyDecorators(
    ApiResponse({ status: 401, description: 'No valid key (Bearer or session cookie)', type: ErrorBody }),
    ApiResponse({ status: 403, description: 'The key lacks the operator scope', type: ErrorBody }),
  );
const BadPayloads = () => ApiResponse({ status: 400, description: 'Not a list of payloads, not base64, or a payload this deployment cannot decrypt (field names it)', type: ErrorBody });

@ApiTags('codec')
@Controller('v1/codec')
export class CodecController {
  constructor(private readonly codec: CodecService) {}

  @Post('decode')
  @HttpCode(200)
  @RequireScope('operator')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Decode Temporal payloads (for the Temporal Web UI)', description: 'Encrypted payloads are decrypted; others come back as they are.' })
  @ApiOkResponse({ type: CodecPayloadsDto })
  @BadPayloads()
  @Unauthorized()
  async decode(@Body() body: CodecPayloadsDto): Promise<CodecPayloadsDto> {
    return { payloads: await this.codec.decode(body.payloads) };
  }

  @Post('encode')
  @HttpCode(200)
  @RequireScope('operator')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Encode Temporal payloads (what the UI sends back as a signal or query argument)' })
  @ApiOkResponse({ type: CodecPayloadsDto })
  @BadPayloads()
  @Unauthorized()
  async encode(@Body() body: CodecPayloadsDto): Promise<CodecPayloadsDto> {
    return { payloads: await this.codec.encode(body.payloads) };
  }

  @Post('session')
  @HttpCode(204)
  @RequireScope('operator')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Sign this browser in to the codec endpoint',
    description: `Sets an HttpOnly, SameSite=Strict cookie for /v1/codec holding the operator key, for ${CODEC_SESSION_SECONDS / 3600} hours, so the Temporal Web UI (with "Include cross-origin credentials" on) can decode. Use the page at GET /v1/codec/login.`,
  })
  @ApiNoContentResponse({ description: 'Signed in (Set-Cookie)' })
  @Unauthorized()
  session(@Req() req: Request, @Res({ passthrough: true }) res: Response): void {
    const key = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')![1];
    res.cookie(CODEC_SESSION_COOKIE, key, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/v1/codec', maxAge: CODEC_SESSION_SECONDS * 1000 });
  }

  @Get('login')
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiProduces('text/html')
  @ApiOperation({ summary: 'A page where an operator signs this browser in to the codec endpoint (POST /v1/codec/session)' })
  @ApiOkResponse({ description: 'The page', schema: { type: 'string' } })
  login(): string {
    return LOGIN_PAGE;
  }
}

const LOGIN_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Codec sign-in</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>Decode Temporal payloads</h1>
<p>Workflow and activity payloads are encrypted. Sign this browser in with an API key holding the <code>operator</code> scope;
then, in the Temporal Web UI, open the codec server settings and turn on <em>Include cross-origin credentials</em>.</p>
<form id="f"><input id="k" type="password" size="60" placeholder="sk_…" autocomplete="off"> <button>Sign in</button></form>
<p id="r"></p>
<script>
document.getElementById('f').onsubmit = async (e) => {
  e.preventDefault();
  const res = await fetch('session', { method: 'POST', headers: { authorization: 'Bearer ' + document.getElementById('k').value } });
  document.getElementById('r').textContent = res.status === 204 ? 'Signed in for ${CODEC_SESSION_SECONDS / 3600} hours.' : 'Refused (' + res.status + '): an operator key is needed.';
};
</script>
</body></html>`;
