importScripts('/static/sw.js');
