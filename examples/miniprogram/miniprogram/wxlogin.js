/**
 * 整个小程序唯一的 wxlogin 客户端。app.js 和各个页面都从这里拿 client，不要再 createClient 第二个。
 */
const { createClient, WxloginError, errorMessage } = require('@wxlogin/miniprogram');
const config = require('./config');

const DEV_OPENID_KEY = 'wxlogin-dev-openid';

/**
 * 仅本地开发：像手机上的 wx.login 那样，向微信模拟器的控制接口 POST /__sim/login 要一个 code。
 * 记住模拟器给的 openid，下次还以同一个微信用户登录（和真机一样：同一个人，同一个 openid）。
 * 模拟器谁来要都给登录凭证，所以正式环境绝不能用它（config.js 的 PRODUCTION 里 simulatorUrl 为空）。
 */
function simulatorCodeProvider(simulatorUrl, appid) {
  return function provideCode() {
    return new Promise(function (resolve, reject) {
      const openid = wx.getStorageSync(DEV_OPENID_KEY);
      wx.request({
        url: simulatorUrl.replace(/\/+$/, '') + '/__sim/login',
        method: 'POST',
        data: openid ? { appid: appid, openid: openid } : { appid: appid },
        timeout: 5000,
        success(res) {
          const body = res.data || {};
          if (res.statusCode === 200 && typeof body.code === 'string') {
            wx.setStorageSync(DEV_OPENID_KEY, body.openid);
            resolve(body.code);
          } else {
            reject(new Error('模拟器没有给出 code（HTTP ' + res.statusCode + '）：' + (body.error || '')));
          }
        },
        fail(error) {
          reject(new Error('连不上微信模拟器 ' + simulatorUrl + '：' + error.errMsg));
        },
      });
    });
  };
}

const options = { baseUrl: config.baseUrl };
if (config.appid) options.appid = config.appid;
if (config.simulatorUrl) options.codeProvider = simulatorCodeProvider(config.simulatorUrl, config.appid);

const client = createClient(options);

/** 给用户看的错误文字：SDK 的错误按 code 翻译，其他错误用 fallback。 */
function messageOf(error, fallback) {
  if (error instanceof WxloginError) return errorMessage(error.code);
  return fallback || '出错了，请稍后重试';
}

module.exports = { client, config, messageOf, WxloginError, errorMessage };
