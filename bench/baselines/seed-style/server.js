// Baseline "seed-style": the login server of the tutorials most teams copy, kept as they write it so the benchmark
// shows what wxlogin is compared against in practice. Express 4 (4.22.3, the latest 4.x: the line those tutorials
// were written for and the one still copied most; 5.x would work too) and the deprecated `request` package (2.88.2,
// its last release).
//
// Deliberately NOT fixed, because it is the point of the comparison:
// - the whole jscode2session answer, session_key included, is sent back to the mini program. session_key is the
//   server-side secret that decrypts and signs the user's data; handing it to the client is the tutorials' mistake;
// - no timeout, no retry, no mapping of WeChat's errcode answers (they go to the client as 200s), no session or token
//   of its own: the client gets WeChat's answer and nothing else;
// - any failure is a bare 500.
import '../local-deps.js';
import express from 'express';
import request from 'request';

const { PORT, WECHAT_BASE_URL, APPID, APP_SECRET } = process.env;
if (!PORT || !WECHAT_BASE_URL || !APPID || !APP_SECRET) {
  console.error('seed-style: PORT, WECHAT_BASE_URL, APPID and APP_SECRET are required');
  process.exit(2);
}

const app = express();
app.use(express.json());

app.get('/healthz', (_req, res) => {
  res.status(200).send('ok');
});

app.post('/v1/auth/login', (req, res) => {
  const { code } = req.body;
  request.get(
    {
      url: WECHAT_BASE_URL + '/sns/jscode2session',
      qs: { appid: APPID, secret: APP_SECRET, js_code: code, grant_type: 'authorization_code' },
    },
    (err, _response, body) => {
      if (err) {
        res.status(500).send('error');
        return;
      }
      let data;
      try {
        data = JSON.parse(body);
      } catch {
        res.status(500).send('error');
        return;
      }
      // The tutorial's mistake, kept on purpose: session_key goes to the client.
      res.json(data);
    },
  );
});

const server = app.listen(Number(PORT), '127.0.0.1');

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
