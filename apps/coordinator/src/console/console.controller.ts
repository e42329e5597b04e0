// The web console (issue 14) at `/`: a page, its script and its styles. They are served without
// the API token, since they hold no data; everything the page shows comes from the API, which
// asks for the token the operator signs in with. The CSP allows only this origin's script and
// styles: no inline script, no third-party code.
import { Controller, Get, Header } from '@nestjs/common';
import { consolePage, consoleStyles } from './console.page';
import { consoleScript } from './console.script';

const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

@Controller()
export class ConsoleController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', contentSecurityPolicy)
  @Header('cache-control', 'no-cache')
  page(): string {
    return consolePage;
  }

  @Get('console.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-cache')
  script(): string {
    return consoleScript;
  }

  @Get('console.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'no-cache')
  styles(): string {
    return consoleStyles;
  }
}
