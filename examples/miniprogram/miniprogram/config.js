/**
 * 示例的环境配置。
 *
 * 开发版（开发者工具、真机预览，envVersion 为 develop）用 LOCAL：`npm start` 起的 wxlogin 服务和微信模拟器。
 * 体验版、正式版一律用 PRODUCTION —— 模拟器谁来要都给登录凭证，绝不能出现在正式环境。
 *
 * 真机预览时把 LOCAL 里的 127.0.0.1 换成电脑的局域网 IP（见 README）。
 */
const LOCAL = {
  // wxlogin 服务（可以带路径前缀，例如 http://127.0.0.1:3000/wx）
  baseUrl: 'http://127.0.0.1:3000',
  // 仅本地开发：向模拟器的控制接口要登录 code（开发者工具里真实的 wx.login 给的 code 模拟器不认识）。
  // 填空字符串则改用 wx.login。正式环境永远不要打开！
  simulatorUrl: 'http://127.0.0.1:3001',
  // 模拟器和 `wxlogin dev` 认识的 appid；不论开发者工具用哪个 appid 打开项目，都以它登录
  appid: 'wxdevapp00000001',
  // 头像上传接口：你们自己的存储，收到文件后回答 {"url":"https://…"}。留空则不能改头像。
  uploadUrl: '',
};

const PRODUCTION = {
  baseUrl: 'https://login.example.com',
  simulatorUrl: '',
  // 不填：用运行中小程序自己的 appid（wx.getAccountInfoSync）
  appid: undefined,
  uploadUrl: 'https://upload.example.com/v1/avatar',
};

function envVersion() {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion;
  } catch (_error) {
    return 'release';
  }
}

module.exports = envVersion() === 'develop' ? LOCAL : PRODUCTION;
