/**
 * 资料页：头像（chooseAvatar → 上传到自己的存储 → 保存 https 地址）和昵称（type="nickname" 的输入框）。
 */
const { client, messageOf } = require('../../wxlogin');
const { uploadAvatar } = require('../../utils/upload');

Component({
  data: {
    user: null,
    avatarPreview: '',
    avatarBusy: false,
    saving: false,
    message: '',
    messageClass: '',
  },

  lifetimes: {
    attached() {
      this.unsubscribe = client.onChange((user) => {
        if (user) this.setData({ user: user });
      });
      client.ready().then(
        (user) => this.setData({ user: user }),
        (error) => this.say(messageOf(error, '登录失败，请返回首页重试'), 'error'),
      );
    },
    detached() {
      if (this.unsubscribe) this.unsubscribe();
    },
  },

  methods: {
    say(message, messageClass) {
      this.setData({ message: message, messageClass: messageClass });
    },

    // <button open-type="chooseAvatar">：detail.avatarUrl 是临时路径（http://tmp/…），先上传，只保存 https 地址
    onChooseAvatar(e) {
      const tempPath = e.detail && e.detail.avatarUrl;
      if (!tempPath || this.data.avatarBusy) return;
      this.setData({ avatarPreview: tempPath, avatarBusy: true, message: '' });
      uploadAvatar(tempPath)
        .then((avatarUrl) => client.updateProfile({ avatarUrl: avatarUrl }))
        .then(
          (user) => {
            this.setData({ user: user, avatarPreview: '', avatarBusy: false });
            this.say('头像已更新', 'ok');
          },
          (error) => {
            this.setData({ avatarPreview: '', avatarBusy: false });
            this.say(messageOf(error, error.message || '头像上传失败，请重试'), 'error');
          },
        );
    },

    // 微信对昵称做安全检测：不通过时会在失焦时清空输入框，所以昵称只在提交表单时读
    onNicknameReview(e) {
      if (e.detail && e.detail.pass === false) this.say('昵称未通过微信安全检测，请换一个', 'error');
    },

    onSubmit(e) {
      const value = (e.detail && e.detail.value) || {};
      const nickname = typeof value.nickname === 'string' ? value.nickname.trim() : '';
      if (!nickname) {
        this.say('请填写昵称', 'error');
        return;
      }
      if (this.data.saving) return;
      this.setData({ saving: true, message: '' });
      client.updateProfile({ nickname: nickname }).then(
        (user) => {
          this.setData({ user: user, saving: false });
          this.say('昵称已保存', 'ok');
        },
        (error) => {
          this.setData({ saving: false });
          this.say(messageOf(error, '保存失败，请重试'), 'error');
        },
      );
    },
  },
});
