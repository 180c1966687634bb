#!/usr/bin/env bash
# Generates the summer-sale sample assets with ffmpeg only (no downloads). Idempotent: files that already exist
# with the current recipe version are kept. Safe to run concurrently: one run at a time holds a lock, and every
# file is written under a temporary name and renamed into place.
set -euo pipefail

RECIPE=4
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/assets}"
ffmpeg_bin="${FFMPEG:-ffmpeg}"
font=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
mkdir -p "$out"

exec 9>"$out/.lock"
flock 9

if [[ -f "$out/.recipe" && "$(cat "$out/.recipe")" == "$RECIPE" && -f "$out/hero.mp4" && -f "$out/music.wav" \
      && -f "$out/logo.png" && -f "$out/static.mp4" ]]; then
  exit 0
fi

ff() { "$ffmpeg_bin" -hide_banner -nostdin -v error -y "$@"; }
tmp="$(mktemp -d "$out/.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Hero: 7 s of moving sunset gradients and shapes, then a 3 s still end-card plate (the personalised range).
ff -filter_complex "
gradients=s=1280x720:r=30:d=7:c0=0xff7a18:c1=0xaf002d:c2=0x319197:nb_colors=3:speed=0.02:type=radial:seed=7,format=yuv420p,
drawbox=x='mod(t*220\,1580)-300':y=420:w=300:h=120:color=white@0.35:t=fill,
drawbox=x='1000-mod(t*150\,1300)':y='120+60*sin(t*2)':w=180:h=180:color=0xffd23f@0.6:t=fill,
drawbox=x=0:y='600+20*sin(t*3)':w=1280:h=20:color=black@0.3:t=fill,
drawtext=fontfile=$font:text='SUMMER':fontsize=140:fontcolor=white@0.85:x='(w-text_w)/2':y='h/2-150-40*sin(t)'[hero];
color=c=0x1b1f3b:s=1280x720:r=30:d=3,format=yuv420p,
drawbox=x=0:y=540:w=1280:h=180:color=0xff7a18:t=fill,
drawbox=x=80:y=80:w=1120:h=6:color=white@0.6:t=fill[card];
[hero][card]concat=n=2:v=1:a=0[v]" \
  -map '[v]' -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -g 30 -keyint_min 30 -sc_threshold 0 \
  -movflags +faststart "$tmp/hero.mp4"

# Music bed: a I-V-vi-IV chord loop with a soft pulse, 10 s, 48 kHz stereo.
chord() { echo "(sin(2*PI*$1*t)+sin(2*PI*$2*t)+sin(2*PI*$3*t))"; }
expr="0.12*(0.6+0.4*abs(sin(PI*2*t)))*if(lt(mod(t,8),2),$(chord 261.6 329.6 392.0),if(lt(mod(t,8),4),$(chord 196.0 246.9 293.7),if(lt(mod(t,8),6),$(chord 220.0 261.6 329.6),$(chord 174.6 220.0 261.6))))"
e="${expr//,/\\,}"
ff -f lavfi -i "aevalsrc=${e}|${e}:s=48000:d=10" -af "afade=t=in:d=0.5,afade=t=out:st=9:d=1" -c:a pcm_s16le "$tmp/music.wav"

# Logo: a small brand badge used as an image layer.
ff -f lavfi -i "color=c=0xffd23f:s=240x80" -frames:v 1 \
  -vf "drawbox=x=0:y=0:w=240:h=80:color=0x1b1f3b:t=4,drawtext=fontfile=$font:text='SunCo':fontsize=44:fontcolor=0x1b1f3b:x=(w-text_w)/2:y=(h-text_h)/2" \
  "$tmp/logo.png"

# Static creative: the default copy on the end-card plate, shown when nothing can be rendered.
printf '%s' 'Summer Sale at SunCo' > "$tmp/h.txt"
printf '%s' 'Shop now' > "$tmp/c.txt"
ff -f lavfi -i "color=c=0x1b1f3b:s=1280x720:r=30:d=10" -i "$tmp/music.wav" -filter_complex "
[0:v]format=yuv420p,drawbox=x=0:y=540:w=1280:h=180:color=0xff7a18:t=fill,
drawtext=fontfile=$font:textfile=$tmp/h.txt:expansion=none:fontsize=64:fontcolor=white:x=(w-text_w)/2:y=220,
drawtext=fontfile=$font:textfile=$tmp/c.txt:expansion=none:fontsize=48:fontcolor=0x1b1f3b:box=1:boxcolor=white:boxborderw=18:x=(w-text_w)/2:y=600[v]" \
  -map '[v]' -map 1:a -c:v libx264 -preset veryfast -tune stillimage -pix_fmt yuv420p -c:a aac -b:a 128k -shortest \
  -movflags +faststart "$tmp/static.mp4"

for f in hero.mp4 music.wav logo.png static.mp4; do mv -f "$tmp/$f" "$out/$f"; done
echo "$RECIPE" > "$out/.recipe"
