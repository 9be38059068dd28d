/**
 * 把 chooseAvatar 给的临时文件（http://tmp/…）传到你们自己的存储，得到 https 地址。
 * 服务端只接受 https:// 的 avatarUrl：临时路径只在这台手机上、这一会儿有效，不能直接保存。
 *
 * 上传接口约定：multipart 字段 file，回答 {"url":"https://…"}；请求带 wxlogin 的 access token
 * （Authorization: Bearer …），上传接口用 /.well-known/jwks.json 验证它。直传 COS/OSS 等第三方存储时，
 * 去掉这个 header，改用存储的签名。
 */
const { client, config } = require('../wxlogin');

function uploadAvatar(filePath) {
  if (!config.uploadUrl) {
    return Promise.reject(new Error('没有配置头像上传地址（config.js 的 uploadUrl）'));
  }
  return client.getAccessToken().then(function (accessToken) {
    return new Promise(function (resolve, reject) {
      wx.uploadFile({
        url: config.uploadUrl,
        filePath: filePath,
        name: 'file',
        header: { Authorization: 'Bearer ' + accessToken },
        timeout: 30000,
        success(res) {
          if (res.statusCode >= 400) {
            reject(new Error('头像上传失败（HTTP ' + res.statusCode + '）'));
            return;
          }
          let body = res.data;
          try {
            if (typeof body === 'string') body = JSON.parse(body);
          } catch (_error) {
            reject(new Error('上传接口的回答不是 JSON'));
            return;
          }
          if (!body || typeof body.url !== 'string' || body.url.indexOf('https://') !== 0) {
            reject(new Error('上传接口没有给出 https 地址'));
            return;
          }
          resolve(body.url);
        },
        fail(error) {
          reject(new Error('头像上传失败：' + error.errMsg));
        },
      });
    });
  });
}

module.exports = { uploadAvatar };
